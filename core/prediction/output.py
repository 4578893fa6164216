"""The pixel type predictions are stored in."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_dtype(block: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Prediction values (normalised units) as ``dtype``.

    Floating types keep the values. Integer types map the normalised range linearly so that
    0 stays 0 and 1 (the 99.8th percentile of the training targets) becomes half the type's
    maximum, leaving headroom for brighter pixels; values are rounded and clipped.
    """
    if np.issubdtype(dtype, np.floating):
        return block.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    scaled = np.rint(block * (info.max / 2))
    return np.clip(scaled, max(info.min, 0), info.max).astype(dtype)
