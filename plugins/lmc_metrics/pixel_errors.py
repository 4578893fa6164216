"""Pixel-wise error metrics per (H, W) plane: MAE, MSE, Euclidean distance and PSNR.

The references are ``sklearn.metrics.mean_absolute_error`` / ``mean_squared_error`` (on a plane
these equal the mean over all pixels), ``scipy.spatial.distance.euclidean`` of the flattened
planes, and ``skimage.metrics.peak_signal_noise_ratio`` (``10 log10(data_range² / MSE)``).
"""

from __future__ import annotations

import torch


def mae(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error: (B, C, H, W) twice → (B, C)."""
    return (prediction - target).abs().mean(dim=(-2, -1))


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error: (B, C, H, W) twice → (B, C)."""
    return (prediction - target).square().mean(dim=(-2, -1))


def euclidean(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Norm of the flattened difference: (B, C, H, W) twice → (B, C)."""
    return torch.linalg.vector_norm(prediction - target, dim=(-2, -1))


def psnr(prediction: torch.Tensor, target: torch.Tensor, data_range: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB: (B, C, H, W) twice, data_range (B, C) → (B, C).

    Identical images give +inf, as in scikit-image.
    """
    return 10 * torch.log10(data_range.square() / mse(prediction, target))
