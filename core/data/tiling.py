"""Tiling of large fields, and the empty-tile filter.

Fields are cut into a grid of equal, non-overlapping tiles (``grid`` per side; the paper cuts
every JUMP field into 4 x 4 = 16 tiles) or into tiles of a given side, the last row and column
aligned to the far edge so the whole field is covered.

Empty-tile criterion: for each target plane present in a field, the foreground is the set of
pixels above the plane's Otsu threshold (computed once on the whole field, so a tile of only
background stays background). A tile is kept when, for at least one present target, its
foreground covers ``min_foreground`` of the tile's pixels or more. A target that is constant
over the field has no foreground. A field without targets keeps every tile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Tile = tuple[int, int, int, int]
"""(y0, x0, height, width) in the field's stored pixels."""


def _starts(length: int, side: int) -> list[int]:
    if side >= length:
        return [0]
    count = -(-length // side)
    return sorted({min(i * side, length - side) for i in range(count)})


def tile_grid(
    height: int, width: int, *, grid: int | None = None, size: int | None = None
) -> list[Tile]:
    """Tiles covering a (height, width) field: ``grid`` x ``grid`` tiles, or tiles of ``size``."""
    import numpy as np

    if grid is not None:
        ys = np.linspace(0, height, grid + 1).round().astype(int)
        xs = np.linspace(0, width, grid + 1).round().astype(int)
        return [
            (int(ys[i]), int(xs[j]), int(ys[i + 1] - ys[i]), int(xs[j + 1] - xs[j]))
            for i in range(grid)
            for j in range(grid)
            if ys[i + 1] > ys[i] and xs[j + 1] > xs[j]
        ]
    if size is None:
        raise ValueError("tile_grid needs grid or size")
    tile_h, tile_w = min(size, height), min(size, width)
    return [(y, x, tile_h, tile_w) for y in _starts(height, size) for x in _starts(width, size)]


def foreground(plane: np.ndarray) -> np.ndarray:
    """Pixels above the plane's Otsu threshold (all False for a constant plane)."""
    import numpy as np
    from skimage.filters import threshold_otsu

    if plane.min() == plane.max():
        return np.zeros(plane.shape, dtype=bool)
    return np.asarray(plane > threshold_otsu(plane))


def keep_tiles(
    tiles: Sequence[Tile], targets: Sequence[np.ndarray], min_foreground: float
) -> list[Tile]:
    """The tiles passing the empty-tile criterion (module docstring) given the field's targets."""
    if not targets or min_foreground <= 0:
        return list(tiles)
    masks = [foreground(t) for t in targets]
    kept = []
    for y, x, h, w in tiles:
        shares = [float(m[y : y + h, x : x + w].mean()) for m in masks]
        if max(shares) >= min_foreground:
            kept.append((y, x, h, w))
    return kept
