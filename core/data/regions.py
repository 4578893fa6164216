"""Hold-out bands: validate on one band of every field (e.g. its right quarter), train on the rest.

Useful when there are too few fields for a field-level split — a single large field, as in the
quickstart, which trains on the left three quarters of the In silico labeling field and
validates on the right quarter. A band is given along one axis as fractions ``[start, end)`` of
the field and must touch an edge of the field, so that what is left for training is itself one
rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass

Window = tuple[int, int, int, int]
"""(y0, x0, height, width) in the field's stored pixels, like a tile."""


@dataclass(frozen=True)
class Band:
    axis: str  # "y" or "x"
    start: float
    end: float
    inside: bool  # True: the band itself (validation); False: the rest (training)

    def window(self, height: int, width: int) -> Window:
        """The pixels this band (or its complement) covers in a (height, width) field."""
        length = height if self.axis == "y" else width
        lo, hi = round(self.start * length), round(self.end * length)
        if not self.inside:
            lo, hi = (hi, length) if lo == 0 else (0, lo)
        if self.axis == "y":
            return (lo, 0, hi - lo, width)
        return (0, lo, height, hi - lo)
