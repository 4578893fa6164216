"""Display windows from the data written: what viewers (napari, Fiji) show as black and white.

A window spanning the whole dtype (0–65535) shows a prediction that uses a small part of it as
black. :class:`DisplayRange` keeps a regular grid of about ``SAMPLE_LIMIT`` pixels per channel
of the blocks a sink stores (every ``s``-th row and column of every plane, the grid fixed by
the image's shape, so it does not depend on how the image was cut into blocks) and gives each
channel the window from the ``LOW`` to the ``HIGH`` percentile of its finite values, as
OMERO's and napari's auto-contrast do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from i2i.image import Region

SAMPLE_LIMIT = 2**20
"""About this many sampled pixels per channel (4 MB of float32)."""
LOW, HIGH = 0.1, 99.9
"""The percentiles that become the window's start and end."""


class DisplayRange:
    """Per-channel samples of an image of ``shape`` (T, C, Z, Y, X) and their windows."""

    def __init__(self, shape: tuple[int, int, int, int, int]):
        size_t, size_c, size_z, size_y, size_x = shape
        self.stride = max(1, math.ceil(math.sqrt(size_t * size_z * size_y * size_x / SAMPLE_LIMIT)))
        self._samples: list[list[np.ndarray]] = [[] for _ in range(size_c)]
        self._counts = [0] * size_c

    def add(self, region: Region, block: np.ndarray) -> None:
        """Keep the grid pixels of a (T, C, Z, Y, X) ``block`` stored at ``region``."""
        stride = self.stride
        rows = (-region[3].start) % stride
        columns = (-region[4].start) % stride
        grid = block[:, :, :, rows::stride, columns::stride]
        for offset, channel in enumerate(range(region[1].start, region[1].stop)):
            if self._counts[channel] > 4 * SAMPLE_LIMIT:  # regions written again and again
                continue
            values = np.asarray(grid[:, offset], dtype=np.float64).ravel()
            self._samples[channel].append(values)
            self._counts[channel] += values.size

    def windows(self, dtype: np.dtype[Any]) -> list[dict[str, float | int]]:
        """One OMERO window (``min``, ``max``, ``start``, ``end``) per channel."""
        return [_window(samples, np.dtype(dtype)) for samples in self._samples]


def _window(samples: list[np.ndarray], dtype: np.dtype[Any]) -> dict[str, float | int]:
    values = np.concatenate(samples) if samples else np.zeros(0)
    values = values[np.isfinite(values)]
    integer = np.issubdtype(dtype, np.integer)
    if integer:
        info = np.iinfo(dtype)
        lowest, highest = float(info.min), float(info.max)
    elif values.size:
        lowest, highest = float(values.min()), float(values.max())
    else:
        lowest, highest = 0.0, 1.0
    if values.size:
        start, end = (float(v) for v in np.percentile(values, [LOW, HIGH]))
    else:
        start, end = lowest, highest
    if integer:
        start, end = math.floor(start), math.ceil(end)
    if end <= start:  # a constant channel: a window one unit wide, inside the range
        start, end = (start, start + 1) if start + 1 <= highest else (start - 1, start)
        lowest, highest = min(lowest, start), max(highest, end)
    if integer:
        return {"min": int(lowest), "max": int(highest), "start": int(start), "end": int(end)}
    return {"min": lowest, "max": highest, "start": start, "end": end}
