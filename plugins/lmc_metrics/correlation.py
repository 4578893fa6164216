"""Correlation-type metrics of flattened planes: Pearson correlation and cosine distance.

PCC follows ``scipy.stats.pearsonr`` (centred dot product over the product of norms, clipped to
[-1, 1]); the challenge replaced the NaN of a constant image by 0. The cosine distance is
``|1 - x·y / (‖x‖ ‖y‖)|`` as the challenge wrote it; it equals ``scipy.spatial.distance.cosine``
(which clips to [0, 2] instead of taking the absolute value) and is NaN when an image is all
zeros.
"""

from __future__ import annotations

import torch


def pcc(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Pearson correlation per plane, NaN → 0: (B, C, H, W) twice → (B, C)."""
    x = prediction.flatten(-2) - prediction.mean(dim=(-2, -1))[..., None]  # (B, C, H·W)
    y = target.flatten(-2) - target.mean(dim=(-2, -1))[..., None]
    norms = torch.linalg.vector_norm(x, dim=-1) * torch.linalg.vector_norm(y, dim=-1)  # (B, C)
    r = ((x * y).sum(dim=-1) / norms).clamp(-1.0, 1.0)
    return torch.nan_to_num(r, nan=0.0)


def cosine(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cosine distance per plane: (B, C, H, W) twice → (B, C)."""
    x, y = prediction.flatten(-2), target.flatten(-2)  # (B, C, H·W)
    norms = torch.linalg.vector_norm(x, dim=-1) * torch.linalg.vector_norm(y, dim=-1)
    return (1 - (x * y).sum(dim=-1) / norms).abs()
