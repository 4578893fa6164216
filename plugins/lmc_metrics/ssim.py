"""Structural similarity (SSIM) exactly as ``skimage.metrics.structural_similarity`` defaults.

Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from error visibility to
structural similarity", IEEE TIP 13(4), 2004. scikit-image's defaults: a 7 × 7 uniform window,
K1 = 0.01, K2 = 0.03, sample covariance (N / (N - 1)), and the mean SSIM over the image with a
3-pixel border cropped. The cropped region is exactly where the window lies inside the image,
so a "valid" box filter gives the same values as skimage's reflect-padded one without padding.
Only four box-filtered maps are needed (x, y, x² + y², xy) because the variances enter the
formula only through their sum.
"""

from __future__ import annotations

import torch

WINDOW = 7
K1 = 0.01
K2 = 0.03


def box_sum(maps: torch.Tensor, size: int = WINDOW) -> torch.Tensor:
    """Sums over every size × size window inside the image: (..., H, W) → (..., H-s+1, W-s+1)."""
    height, width = maps.shape[-2:]
    rows = maps[..., :, 0 : width - size + 1].clone()  # (..., H, W')
    for shift in range(1, size):
        rows += maps[..., :, shift : width - size + 1 + shift]
    sums = rows[..., 0 : height - size + 1, :].clone()  # (..., H', W')
    for shift in range(1, size):
        sums += rows[..., shift : height - size + 1 + shift, :]
    return sums


def ssim(prediction: torch.Tensor, target: torch.Tensor, data_range: torch.Tensor) -> torch.Tensor:
    """Mean SSIM of each plane: (B, C, H, W) float64 twice, data_range (B, C) → (B, C).

    H and W must be at least 7 (skimage raises for smaller images too). Intermediate maps are
    updated in place to keep memory traffic low; the arithmetic is skimage's.
    """
    x, y = prediction, target
    count = WINDOW * WINDOW
    cov_norm = count / (count - 1)
    maps = torch.empty((4, *x.shape), dtype=x.dtype, device=x.device)  # (4, B, C, H, W)
    maps[0], maps[1] = x, y
    torch.mul(x, x, out=maps[2]).addcmul_(y, y)  # x² + y²
    torch.mul(x, y, out=maps[3])
    ux, uy, uxx_yy, uxy = box_sum(maps).div_(count).unbind(0)  # (B, C, H', W') each
    c1 = ((K1 * data_range) ** 2)[..., None, None]  # (B, C, 1, 1)
    c2 = ((K2 * data_range) ** 2)[..., None, None]
    ux_uy = ux * uy
    squares = ux.square_().addcmul_(uy, uy)  # ux² + uy²
    variances = uxx_yy.sub_(squares).mul_(cov_norm).add_(c2)  # vx + vy + C2
    covariance = uxy.sub_(ux_uy).mul_(cov_norm).mul_(2).add_(c2)  # 2 vxy + C2
    numerator = ux_uy.mul_(2).add_(c1).mul_(covariance)
    denominator = squares.add_(c1).mul_(variances)
    return numerator.div_(denominator).mean(dim=(-2, -1))
