"""Percentile normalisation of input planes, as in the Light My Cells challenge.

Each input plane becomes ``(x - p_low) / (p_high - p_low)`` with the plane's own low and high
percentiles (2 and 99.8 by default), without clipping. A constant plane is shifted only (no
division by zero). Planes larger than ``EXACT_LIMIT`` pixels are not read whole: their
percentiles are estimated from ``SAMPLE_BLOCKS`` blocks of ``SAMPLE_SIDE`` pixels spread
evenly over the plane, which keeps memory bounded for very large images.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EXACT_LIMIT = 4096 * 4096
SAMPLE_BLOCKS = 8  # per side: 64 blocks
SAMPLE_SIDE = 256

ReadRegion = Callable[[slice, slice], np.ndarray]


def _sample_slices(length: int) -> list[slice]:
    side = min(SAMPLE_SIDE, length)
    starts = np.linspace(0, length - side, SAMPLE_BLOCKS).round().astype(int)
    return [slice(int(s), int(s) + side) for s in np.unique(starts)]


def plane_percentiles(
    read: ReadRegion, shape: tuple[int, int], percentiles: tuple[float, float]
) -> np.ndarray:
    """(C, 2) low and high percentiles of each plane of ``read`` (which returns (C, h, w))."""
    height, width = shape
    if height * width <= EXACT_LIMIT:
        pixels = read(slice(0, height), slice(0, width))
        pixels = pixels.reshape(pixels.shape[0], -1)
    else:
        blocks = [read(y, x) for y in _sample_slices(height) for x in _sample_slices(width)]
        pixels = np.concatenate([b.reshape(b.shape[0], -1) for b in blocks], axis=1)
    return np.percentile(pixels, percentiles, axis=1).T.astype(np.float64)


def normalizer(bounds: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping (C, h, w) arrays with the (C, 2) percentile ``bounds`` to float32."""
    low = bounds[:, 0].astype(np.float32)[:, None, None]
    spread = bounds[:, 1] - bounds[:, 0]
    scale = (1.0 / np.where(spread > 0, spread, 1.0)).astype(np.float32)[:, None, None]

    def normalize(region: np.ndarray) -> np.ndarray:
        result = np.array(region, dtype=np.float32)  # a copy: the reader's array stays intact
        result -= low
        result *= scale
        return result

    return normalize
