"""The Charbonnier penalty (Charbonnier et al., "Two deterministic half-quadratic regularization
algorithms for computed imaging", ICIP 1994)."""

import torch
from torch import nn


class CharbonnierLoss(nn.Module):
    def __init__(self, params):
        super().__init__()
        self.epsilon = params.epsilon
        self.weight = params.weight

    def forward(self, prediction, target, mask=None):
        """prediction, target: (B, C, H, W); mask: (B, C), 1 where the target exists."""
        penalty = torch.sqrt((prediction - target).square() + self.epsilon**2)  # (B, C, H, W)
        if mask is not None:
            weights = mask[..., None, None].expand_as(penalty).to(penalty.dtype)
            loss = (penalty * weights).sum() / weights.sum().clamp_min(1.0)
        else:
            loss = penalty.mean()
        loss = self.weight * loss
        return loss, {"example.charbonnier/loss": loss.detach()}
