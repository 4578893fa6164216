"""The numba kernel of :mod:`.distance` (imported only when numba is installed)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def squared_distances(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool mask -> (H, W) float64 squared distance to the nearest False pixel."""
    height, width = mask.shape
    far = float((height + width) ** 2)
    column = np.empty((height, width), dtype=np.float64)
    for y in range(height):  # distance to background along the columns, downwards ...
        for x in range(width):
            above = column[y - 1, x] if y > 0 else far
            column[y, x] = above + 1.0 if mask[y, x] else 0.0
    for y in range(height - 2, -1, -1):  # ... and upwards (rows stay contiguous in memory)
        for x in range(width):
            if mask[y, x]:
                column[y, x] = min(column[y, x], column[y + 1, x] + 1.0)
    out = np.empty((height, width), dtype=np.float64)
    vertex = np.empty(width, dtype=np.int64)
    bound = np.empty(width + 1, dtype=np.float64)
    for y in range(height):  # lower envelope of the parabolas of each row
        f = column[y] * column[y]
        k = 0
        vertex[0] = 0
        bound[0], bound[1] = -np.inf, np.inf
        for q in range(1, width):
            s = ((f[q] + q * q) - (f[vertex[k]] + vertex[k] * vertex[k])) / (2 * q - 2 * vertex[k])
            while s <= bound[k]:
                k -= 1
                v = vertex[k]
                s = ((f[q] + q * q) - (f[v] + v * v)) / (2 * q - 2 * v)
            k += 1
            vertex[k] = q
            bound[k], bound[k + 1] = s, np.inf
        k = 0
        for q in range(width):
            while bound[k + 1] < q:
                k += 1
            v = vertex[k]
            out[y, q] = (q - v) * (q - v) + f[v]
    return out
