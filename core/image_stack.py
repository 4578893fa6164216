"""Stacking single-plane files into one multi-plane image.

Transmitted-light z-stacks often arrive as one file per plane (the In silico labeling sample has
13 phase-contrast PNGs). Models trained on stacked planes need them as one image: this writes
the planes as the Z (or C) axis of one OME-Zarr or OME-TIFF file, reading and writing one plane
at a time.

Plane order: a shell glob gives names in lexical order (``z_depth-0, z_depth-1, z_depth-10,
..., z_depth-2``), which scrambles a z-stack without a word. Z-planes are therefore ordered by
the z index their names carry (``z_depth-7``, ``_z07``, ``z=7``, ``Z7``), or in natural order
(``plane_2`` before ``plane_10``) when not every name carries one (:func:`plane_order`);
``keep_order=True`` keeps the given order. Channels (``axis="c"``) keep the given order.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import Image, ImageError
from i2i.io import get_writer, open_image

Z_TOKEN = re.compile(r"(?<![A-Za-z0-9])z(?:[_-]?depth)?[-_=]?(?P<z>\d+)(?!\d)", re.IGNORECASE)
"""A z index in a file name: ``z_depth-7``, ``_z07``, ``z=7``, ``-Z7``."""


class PlaneOrderWarning(UserWarning):
    """The planes' names suggest an order other than the one they are stacked in."""


@dataclass(frozen=True)
class PlaneOrder:
    """The order planes are stacked in, and what their names say about it."""

    planes: list[Path]
    """The planes in stacking order."""
    z: list[int] | None
    """The z index each name carries (in stacking order), or ``None`` without one per name."""
    suggested: list[Path]
    """The order the names suggest: by z index, else natural order."""
    given: list[Path]

    @property
    def reordered(self) -> bool:
        """Whether the planes are stacked in another order than given."""
        return self.planes != self.given

    @property
    def disagrees(self) -> bool:
        """Whether the stacking order differs from the one the names suggest."""
        return self.planes != self.suggested

    def describe(self) -> str:
        """The order used, in one line (z indices or file names)."""
        if self.z is not None:
            how = "in the given order, z" if self.disagrees else "by z index"
            return f"planes stacked {how}: {', '.join(map(str, self.z))}"
        how = "in the given order" if self.disagrees else "in natural name order"
        return f"planes stacked {how}: {_names(self.planes)}"

    def warning(self) -> str | None:
        """What differs from what the names suggest, or ``None`` when nothing does."""
        suggested = _z_of(self.suggested) if self.z is not None else _names(self.suggested)
        given = _z_of(self.given) if self.z is not None else _names(self.given)
        if self.reordered:
            return (
                f"the planes were given in another order than their names suggest ({given}); "
                f"stacked by {'z index' if self.z is not None else 'natural name order'} "
                f"({suggested}). Pass --keep-order (keep_order=True) to stack them as given."
            )
        if self.disagrees:
            return (
                f"stacked in the given order ({given}) as asked, but the names suggest {suggested}."
            )
        return None


def _z_of(planes: Sequence[Path]) -> str:
    return ", ".join(str(z_index(p)) for p in planes)


def _names(planes: Sequence[Path]) -> str:
    shown = [p.name for p in planes[:4]]
    return ", ".join(shown) + (f", ... ({len(planes)} planes)" if len(planes) > 4 else "")


def z_index(path: str | Path) -> int | None:
    """The z index the file name carries (the last z token), or ``None``."""
    found = Z_TOKEN.findall(Path(path).name)
    return int(found[-1]) if found else None


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sort key ordering digit runs by value: ``plane_2`` before ``plane_10``."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


def plane_order(sources: Sequence[str | Path], *, keep_order: bool = False) -> PlaneOrder:
    """The z-planes ``sources`` in stacking order (see the module docstring).

    Two planes with the same z index are an error: one of them does not belong to the stack.
    """
    given = [Path(s) for s in sources]
    indices = [z_index(p) for p in given]
    if all(z is not None for z in indices):
        _check_distinct(given, [int(z) for z in indices if z is not None])
        suggested = sorted(given, key=lambda p: int(z_index(p) or 0))
    else:
        suggested = sorted(given, key=lambda p: natural_key(p.name))
    planes = given if keep_order else suggested
    z = [int(z_index(p) or 0) for p in planes] if all(i is not None for i in indices) else None
    return PlaneOrder(planes=planes, z=z, suggested=suggested, given=given)


def _check_distinct(planes: list[Path], indices: list[int]) -> None:
    seen: dict[int, Path] = {}
    for plane, z in zip(planes, indices, strict=True):
        if z in seen:
            raise ImageError(
                f"{seen[z].name} and {plane.name} both carry z index {z}; a z-stack has one file "
                "per plane. Remove the one that does not belong."
            )
        seen[z] = plane


def stack_images(
    sources: Sequence[str | Path],
    destination: str | Path,
    *,
    axis: str = "z",
    channel_names: Sequence[str] | None = None,
    pixel_size_um: float | None = None,
    keep_order: bool = False,
    overwrite: bool = False,
    **params: object,
) -> Path:
    """Write the single planes ``sources`` as the ``axis`` (``"z"`` or ``"c"``) of one image.

    Z-planes are stacked in :func:`plane_order` (by the z index in their names) unless
    ``keep_order``; a :class:`PlaneOrderWarning` says when that differs from the given order.
    An existing ``destination`` that is not an earlier image output is replaced only with
    ``overwrite``.
    """
    if axis not in ("z", "c"):
        raise ImageError(f"stack axis {axis!r}: use 'z' (planes) or 'c' (channels).")
    if len(sources) < 2:
        raise ImageError("stacking needs at least two single-plane images.")
    if pixel_size_um is not None and not pixel_size_um > 0:
        raise ImageError(f"pixel size {pixel_size_um} µm: give a size in µm greater than 0.")
    if axis == "z":
        order = plane_order(sources, keep_order=keep_order)
        if (message := order.warning()) is not None:
            warnings.warn(message, PlaneOrderWarning, stacklevel=2)
        sources = order.planes
    first = open_image(sources[0])
    _, _, _, height, width = first.shape
    count = len(sources)
    names = list(channel_names) if channel_names else None
    if axis == "c" and names is not None and len(names) != count:
        raise ImageError(f"{len(names)} channel names given for {count} images to stack.")
    if axis == "z":
        names = names or first.channel_names
    pixels = first.pixel_sizes
    if pixel_size_um is not None:
        pixels = replace(pixels, y=pixel_size_um, x=pixel_size_um)
    shape = (1, count, 1, height, width) if axis == "c" else (1, 1, count, height, width)
    writer = get_writer(destination, None, **params).with_overwrite(overwrite)
    with writer.open(
        Path(destination),
        shape=shape,
        dtype=first.dtype,
        channel_names=names or [Path(s).stem for s in sources],
        pixel_sizes=pixels,
    ) as sink:
        for index, source in enumerate(sources):
            with open_image(source) as image:
                _check_plane(image, source, height, width, first.dtype)
                plane = image.read(t=0, channel=0, z=0)  # (1, 1, 1, Y, X)
                c, z = (index, 0) if axis == "c" else (0, index)
                sink.write_region(plane, t=0, c=c, z=z)
    first.close()
    return Path(destination)


def _check_plane(
    image: Image, source: str | Path, height: int, width: int, dtype: np.dtype[Any]
) -> None:
    size_t, size_c, size_z, size_y, size_x = image.shape
    if size_t * size_c * size_z != 1:
        raise ImageError(
            f"{source}: has {size_t * size_c * size_z} planes (T, C, Z = {size_t}, {size_c}, "
            f"{size_z}); stacking takes single-plane images."
        )
    if (size_y, size_x) != (height, width) or image.dtype != dtype:
        raise ImageError(
            f"{source}: {size_y}x{size_x} {image.dtype} does not match the first image "
            f"({height}x{width} {dtype}); stacked planes must share size and type."
        )
