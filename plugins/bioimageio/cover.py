"""The package's cover: the test input beside the model's prediction, as one PNG panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_cover(test_input: np.ndarray, prediction: np.ndarray, path: Path) -> Path:
    """``input | prediction`` (first input channel, first predicted channel), each scaled to its
    0.5-99.5 percentiles, with a white gap; a 2:1 panel as bioimage.io covers are."""
    from PIL import Image

    left, right = _display(test_input[0, 0]), _display(prediction[0, 0])
    gap = np.full((left.shape[0], max(2, left.shape[1] // 64)), 255, dtype=np.uint8)
    panel = np.concatenate([left, gap, right], axis=1)
    Image.fromarray(panel).save(path)
    return path


def _display(plane: np.ndarray) -> np.ndarray:
    low, high = np.percentile(plane, [0.5, 99.5])
    scaled = (plane - low) / (high - low) if high > low else np.zeros_like(plane)
    return (np.clip(scaled, 0, 1) * 255).astype(np.uint8)
