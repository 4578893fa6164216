"""Small display copies of input, target, prediction and their difference for report panels.

Each image is reduced by block averaging so its longest side fits ``size`` pixels, then scaled
to its own 2nd–99.8th percentiles, the way microscopists look at fluorescence. The error image
is the absolute difference of the scaled target and prediction (0 = identical, 1 = the whole
display range).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Panel:
    """uint8 display images (h, w); ``input`` is None when the input is unknown."""

    input: np.ndarray | None
    target: np.ndarray
    prediction: np.ndarray
    error: np.ndarray


def shrink(plane: np.ndarray, size: int) -> np.ndarray:
    """Block-average a (H, W) plane so that its longest side is at most ``size``."""
    factor = max(1, math.ceil(max(plane.shape) / size))
    height, width = (plane.shape[0] // factor) * factor, (plane.shape[1] // factor) * factor
    blocks = plane[:height, :width].astype(np.float64)
    return blocks.reshape(height // factor, factor, width // factor, factor).mean(axis=(1, 3))


def display_scale(plane: np.ndarray, low: float = 2.0, high: float = 99.8) -> np.ndarray:
    """(x - p_low) / (p_high - p_low), unclipped; a constant plane becomes zeros."""
    p_low, p_high = np.percentile(plane, [low, high])
    if p_high <= p_low:
        return np.zeros_like(plane, dtype=np.float64)
    return (plane - p_low) / (p_high - p_low)


def to_uint8(scaled: np.ndarray) -> np.ndarray:
    return (np.clip(scaled, 0.0, 1.0) * 255).round().astype(np.uint8)


def make_panel(
    input_plane: np.ndarray | None, target: np.ndarray, prediction: np.ndarray, size: int
) -> Panel:
    """The panel of one image channel; planes are (H, W) arrays of any real dtype."""
    shown_target = display_scale(shrink(target, size))
    shown_prediction = display_scale(shrink(prediction, size))
    shown_input = (
        None if input_plane is None else to_uint8(display_scale(shrink(input_plane, size)))
    )
    return Panel(
        input=shown_input,
        target=to_uint8(shown_target),
        prediction=to_uint8(shown_prediction),
        error=to_uint8(np.abs(shown_prediction - shown_target)),
    )
