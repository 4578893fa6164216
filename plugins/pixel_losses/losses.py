"""Pixel losses. Each returns ``(loss, logs)`` with log keys namespaced by the loss name; the
logged value is the detached loss tensor (the trainer converts it when it writes the log)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn
from torch.nn import functional as F

from i2i_plugins.pixel_losses.params import PixelLossParams, SmoothL1Params


class _PixelLoss(nn.Module, ABC):
    name = "pixel"

    def __init__(self, params: PixelLossParams):
        super().__init__()
        self.weight = params.weight
        self.reduction = params.reduction

    @abstractmethod
    def elementwise(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The per-pixel loss, (B, C, H, W)."""

    def forward(
        self,
        prediction: torch.Tensor,
        target: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """prediction, target: (B, C, H, W); mask: (B, C) or broadcastable, 1 = target present."""
        per_pixel = self.elementwise(prediction.float(), target.float())  # (B, C, H, W)
        if mask is None:
            mask = torch.ones_like(per_pixel)
        else:
            mask = mask.to(per_pixel.dtype)
            mask = mask.view(*mask.shape, *([1] * (per_pixel.dim() - mask.dim())))
            mask = mask.expand_as(per_pixel)
        total = (per_pixel * mask).sum()
        if self.reduction == "mean":
            total = total / mask.sum().clamp_min(1.0)
        loss = self.weight * total
        return loss, {f"{self.name}/loss": loss.detach()}


class L1Loss(_PixelLoss):
    name = "l1"

    def elementwise(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (prediction - target).abs()


class MSELoss(_PixelLoss):
    name = "mse"

    def elementwise(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (prediction - target).square()


class SmoothL1Loss(_PixelLoss):
    name = "smooth_l1"

    def __init__(self, params: SmoothL1Params):
        super().__init__(params)
        self.beta = params.beta

    def elementwise(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.smooth_l1_loss(prediction, target, reduction="none", beta=self.beta)
