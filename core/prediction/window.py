"""Blending weight windows for sliding-window prediction.

Overlapping tiles are blended by weighted averaging: each tile's prediction is multiplied by a
window that is largest at the tile centre and small at its edges, accumulated, and divided by
the accumulated weights. The Gaussian importance window follows nnU-Net (Isensee et al., *Nature
Methods* 18, 2021) and MONAI's ``sliding_window_inference``: a separable Gaussian with standard
deviation ``sigma_fraction`` × the tile side (1/8 by default).

One addition: the outermost ``border`` pixels of each tile get weight zero. A convolutional net
sees zero padding beyond the tile there instead of image, so those pixels are the least
reliable; with ``border`` at most a quarter of the overlap every image pixel still has a tile
that weights it, and a model whose receptive-field radius is at most ``border`` gives exactly
the one-pass result.
"""

from __future__ import annotations

import numpy as np

from i2i.tiling import GAUSSIAN_SIGMA_FRACTION


def gaussian_profile(
    length: int, sigma_fraction: float = GAUSSIAN_SIGMA_FRACTION, border: int = 0
) -> np.ndarray:
    """A 1-D window of ``length`` samples, peak 1, zero on ``border`` samples at each end.

    Gaussian with standard deviation ``sigma_fraction * length``; constant when
    ``sigma_fraction`` is 0 or less.
    """
    positions = np.arange(length, dtype=np.float64)
    if sigma_fraction > 0:
        sigma = sigma_fraction * length
        profile = np.exp(-((positions - (length - 1) / 2) ** 2) / (2 * sigma**2))
    else:
        profile = np.ones(length)
    border = min(border, (length - 1) // 2)
    if border > 0:
        profile[:border] = 0.0
        profile[length - border :] = 0.0
    return profile
