"""Exponential moving average of model weights (Polyak averaging, as used in VQGAN and
diffusion training): ``ema ← decay · ema + (1 − decay) · weights`` after each update."""

from __future__ import annotations

import copy

import torch
from torch import nn


class WeightEMA(nn.Module):
    def __init__(self, model: nn.Module, decay: float):
        super().__init__()
        self.decay = decay
        self.average = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for averaged, current in zip(
            self.average.state_dict().values(), model.state_dict().values(), strict=True
        ):
            if averaged.dtype.is_floating_point:
                averaged.lerp_(current.to(averaged.dtype), 1.0 - self.decay)
            else:
                averaged.copy_(current)

    @torch.no_grad()
    def copy_from(self, model: nn.Module) -> None:
        self.average.load_state_dict(model.state_dict())
