"""Constructed images with known objects, shared by the object-metrics tests."""

from __future__ import annotations

import numpy as np


def discs(shape: tuple[int, int], centres: list[tuple[int, int]], radius: float) -> np.ndarray:
    """(H, W) int32 labels: disc i+1 of ``radius`` around ``centres[i]`` (later discs on top)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    labels = np.zeros(shape, dtype=np.int32)
    for number, (y, x) in enumerate(centres, start=1):
        labels[(yy - y) ** 2 + (xx - x) ** 2 <= radius**2] = number
    return labels


def stain(labels: np.ndarray, seed: int = 0, background: float = 100.0) -> np.ndarray:
    """A float32 nuclear-like stain: bright textured objects over a dim noisy background."""
    rng = np.random.default_rng(seed)
    brightness = 1000.0 + 400.0 * rng.random(int(labels.max()) + 1)
    brightness[0] = background
    image = brightness[labels] * (1 + 0.2 * rng.random(labels.shape))
    return image.astype(np.float32)


def nuclei_field(size: int = 256, count: int = 12, seed: int = 0) -> np.ndarray:
    """Labels of ``count`` well-separated discs of radius 9 on a (size, size) field."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(count)))
    step = size // side
    centres = [
        (
            step // 2 + step * (i // side) + int(rng.integers(-3, 4)),
            step // 2 + step * (i % side) + int(rng.integers(-3, 4)),
        )
        for i in range(count)
    ]
    return discs((size, size), centres, 9)


def two_cells(
    shape: tuple[int, int] = (80, 124),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cytoplasm, nuclei, cells) of two touching round cells of radius 30 centred 40 pixels
    apart, each around a nucleus of radius 8: the 0-1 cytoplasmic stain dims from 1 at a
    nucleus to 0.5 at the cell's edge (0 outside), so the cells meet along the dimmest line,
    the midline; ``cells`` are the true labels (each pixel to its nearer centre)."""
    centres = [(40, 40), (40, 80)]
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    distance = np.stack([np.hypot(yy - y, xx - x) for y, x in centres])  # (2, H, W)
    nearest = distance.argmin(axis=0)
    closest = distance.min(axis=0)
    inside = closest <= 30
    cytoplasm = np.where(inside, 1.0 - 0.5 * closest / 30, 0.0).astype(np.float32)
    cells = np.where(inside, nearest + 1, 0).astype(np.int32)
    return cytoplasm, discs(shape, centres, 8), cells
