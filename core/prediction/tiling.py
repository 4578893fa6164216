"""The tile grid of sliding-window prediction, and reflection padding at image borders.

Along each axis the image is extended by a reflected margin of half the overlap, so that
border pixels are predicted with image-like context rather than the network's zero padding.
Tiles of a fixed size then cover the extended range with at least the requested overlap:
``n = ceil((L + 2m - t) / (t - o)) + 1`` tiles whose starts are spread evenly from ``-m`` to
``L + m - t``, so every tile is whole (no 1-pixel-wide slivers at the border). An axis shorter
than one tile gets a single tile, shrunk to the smallest multiple of the model's downsampling
factor that holds the axis and its margins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from i2i.tiling import TilingError


@dataclass(frozen=True)
class AxisTiling:
    """Tiles along one axis, in image coordinates (starts may be negative or run past the end)."""

    length: int
    tile: int
    starts: tuple[int, ...]
    border: int
    """Zero-weight band at each tile edge (a quarter of the overlap)."""

    @property
    def first(self) -> int:
        return self.starts[0]

    @property
    def stop(self) -> int:
        return self.starts[-1] + self.tile


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def plan_axis(length: int, tile: int, overlap: float, multiple_of: int = 1) -> AxisTiling:
    """Tile one axis of ``length`` pixels with tiles of ``tile`` and an ``overlap`` fraction.

    ``tile`` is rounded up to a multiple of ``multiple_of`` (the model's downsampling factor).
    """
    if length < 1:
        raise TilingError(f"Cannot tile an axis of length {length}; images need ≥ 1 pixel.")
    if tile < 1 or multiple_of < 1:
        raise TilingError(
            f"Tile size {tile} and size multiple {multiple_of} must be positive integers."
        )
    if not 0 <= overlap < 1:
        raise TilingError(
            f"Overlap {overlap} is out of range: give a fraction of the tile size in [0, 1), "
            "for example 0.25."
        )
    tile = _round_up(tile, multiple_of)
    overlap_px = min(round(tile * overlap), tile - 1)
    margin, border = overlap_px // 2, overlap_px // 4
    span = length + 2 * margin
    if span <= tile:
        return AxisTiling(length, _round_up(span, multiple_of), (-margin,), border)
    count = math.ceil((span - tile) / (tile - overlap_px)) + 1
    starts = tuple(-margin + round(i * (span - tile) / (count - 1)) for i in range(count))
    return AxisTiling(length, tile, starts, border)


@dataclass(frozen=True)
class TileGrid:
    """A 2-D grid of equal tiles: the product of a Y and an X tiling."""

    y: AxisTiling
    x: AxisTiling

    @classmethod
    def plan(
        cls,
        height: int,
        width: int,
        tile_size: int | tuple[int, int],
        overlap: float = 0.25,
        multiple_of: int = 1,
    ) -> TileGrid:
        tile_y, tile_x = (tile_size, tile_size) if isinstance(tile_size, int) else tile_size
        return cls(
            plan_axis(height, tile_y, overlap, multiple_of),
            plan_axis(width, tile_x, overlap, multiple_of),
        )

    @property
    def tile_shape(self) -> tuple[int, int]:
        return self.y.tile, self.x.tile

    def __len__(self) -> int:
        return len(self.y.starts) * len(self.x.starts)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        """Tile starts (y, x), row by row."""
        for y in self.y.starts:
            for x in self.x.starts:
                yield y, x


def reflect_indices(start: int, stop: int, length: int) -> np.ndarray:
    """Indices into an axis of ``length`` for positions ``start..stop-1``, mirrored at the ends.

    Mirroring excludes the edge pixel (NumPy's and PyTorch's ``reflect``); an axis of one pixel
    cannot be mirrored that way and repeats its pixel instead (``edge``).
    """
    positions = np.arange(start, stop)
    if length == 1:
        return np.zeros_like(positions)
    period = 2 * (length - 1)
    folded = np.mod(positions, period)
    return np.where(folded < length, folded, period - folded)


ReadRegion = Callable[[slice, slice], np.ndarray]


def read_reflected(
    read: ReadRegion, y: tuple[int, int], x: tuple[int, int], shape: tuple[int, int]
) -> np.ndarray:
    """Read rows ``y`` and columns ``x`` (half-open, possibly outside the image) with reflection.

    ``read(y_slice, x_slice)`` returns a (..., h, w) array of an in-bounds region; only the
    bounding box of the mirrored indices is read.
    """
    rows = reflect_indices(*y, shape[0])
    columns = reflect_indices(*x, shape[1])
    y0, x0 = int(rows.min()), int(columns.min())
    region = read(slice(y0, int(rows.max()) + 1), slice(x0, int(columns.max()) + 1))
    inside_y = y[0] >= 0 and y[1] <= shape[0]
    inside_x = x[0] >= 0 and x[1] <= shape[1]
    if inside_y and inside_x:
        return region
    return region[..., rows - y0, :][..., columns - x0]
