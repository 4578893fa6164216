"""Pixel-size aware resampling, region by region, to the model's pixel size and back.

A model predicts best at the pixel size it was trained at. When the image's pixel size is known
and differs, its regions are resampled to the model's grid as they are read, and the predicted
rows are resampled back to the input grid as they are finished, so large images stay streamed.

The filter is separable linear interpolation that widens into a triangle (tent) filter when
shrinking, as in PIL's and ``torch.nn.functional.interpolate(..., antialias=True)`` bilinear
resizing: output pixel ``i`` is centred at input position ``c = (i + 0.5) * s - 0.5`` with
``s = n_in / n_out``, and input pixel ``j`` gets weight ``max(0, 1 - |j - c| / max(s, 1))``,
normalised over the pixels inside the image. Because every output pixel depends
only on its absolute position, resampling by regions equals resampling the whole image.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

ReadRegion = Callable[[slice, slice], np.ndarray]
WriteRows = Callable[[slice, np.ndarray], None]


def resampled_length(length: int, pixel_size: float, target_pixel_size: float) -> int:
    """The number of pixels the same physical extent takes at ``target_pixel_size``."""
    return max(1, round(length * pixel_size / target_pixel_size))


def taps(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Input indices (n_out, K) and normalised weights (n_out, K) of each output pixel."""
    scale = n_in / n_out
    radius = max(scale, 1.0)
    count = math.ceil(2 * radius) + 1
    centres = (np.arange(n_out) + 0.5) * scale - 0.5  # (n_out,)
    first = np.floor(centres - radius).astype(np.int64) + 1
    indices = first[:, None] + np.arange(count)[None, :]  # (n_out, K)
    weights = np.clip(1 - np.abs(indices - centres[:, None]) / radius, 0, None)
    weights[(indices < 0) | (indices >= n_in)] = 0.0
    weights /= weights.sum(axis=1, keepdims=True)
    return np.clip(indices, 0, n_in - 1), weights.astype(np.float32)


def _apply(region: np.ndarray, indices: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """Resample ``region`` (C, h, w) along ``axis`` (1 or 2); ``indices`` are region-relative."""
    shape = [1, 1, 1]
    shape[axis] = len(weights)
    result = np.zeros(
        (*region.shape[:axis], len(weights), *region.shape[axis + 1 :]), dtype=np.float32
    )
    for k in range(indices.shape[1]):
        result += np.take(region, indices[:, k], axis=axis) * weights[:, k].reshape(shape)
    return result


class ResampledReader:
    """Reads regions of an image on a resampled grid of ``shape`` (Y, X)."""

    def __init__(self, read: ReadRegion, source_shape: tuple[int, int], shape: tuple[int, int]):
        self.read_source = read
        self.shape = shape
        self._rows = taps(shape[0], source_shape[0])
        self._columns = taps(shape[1], source_shape[1])

    def __call__(self, y: slice, x: slice) -> np.ndarray:
        rows, row_weights = self._rows[0][y], self._rows[1][y]
        columns, column_weights = self._columns[0][x], self._columns[1][x]
        y0, x0 = int(rows.min()), int(columns.min())
        region = self.read_source(
            slice(y0, int(rows.max()) + 1), slice(x0, int(columns.max()) + 1)
        )  # (C, h, w)
        region = _apply(region, rows - y0, row_weights, axis=1)
        return _apply(region, columns - x0, column_weights, axis=2)


class ResamplingWriter:
    """Takes finished full-width rows on a resampled grid, writes rows of the original grid.

    Rows must arrive in order; only the rows still needed by unwritten output rows are kept.
    """

    def __init__(self, write: WriteRows, shape: tuple[int, int], source_shape: tuple[int, int]):
        self.write_target = write
        self.shape = shape
        self._rows = taps(shape[0], source_shape[0])
        self._columns = taps(shape[1], source_shape[1])
        self._last_needed = self._rows[0].max(axis=1)  # (n_out,), non-decreasing
        self._buffer: np.ndarray | None = None  # (C, rows, X) of the source grid
        self._buffer_top = 0
        self._next_row = 0

    def __call__(self, rows: slice, block: np.ndarray) -> None:
        if self._buffer is None:
            self._buffer, self._buffer_top = block, rows.start
        else:
            self._buffer = np.concatenate([self._buffer, block], axis=1)
        buffer_stop = self._buffer_top + self._buffer.shape[1]
        ready = int(np.searchsorted(self._last_needed, buffer_stop - 1, side="right"))
        if ready <= self._next_row:
            return
        out = slice(self._next_row, ready)
        indices, weights = self._rows[0][out], self._rows[1][out]
        region = _apply(self._buffer, indices - self._buffer_top, weights, axis=1)
        self.write_target(out, _apply(region, *self._columns, axis=2))
        self._next_row = ready
        if ready < self.shape[0]:
            keep_from = int(self._rows[0][ready].min())
            self._buffer = self._buffer[:, keep_from - self._buffer_top :]
            self._buffer_top = keep_from
