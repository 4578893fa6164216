"""Exponential moving average of model weights (Polyak averaging, as used in VQGAN and
diffusion training): ``ema ← decay · ema + (1 − decay) · weights`` after each update.

Before ``start_step`` the average simply follows the weights, so that validation and exported
weights are the trained model's until averaging begins, and the average starts from the weights
of ``start_step`` rather than from the random initialisation.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class WeightEMA(nn.Module):
    def __init__(self, model: nn.Module, decay: float, start_step: int = 0, every: int = 1):
        super().__init__()
        self.decay = decay
        self.start_step = start_step
        self.every = every
        self.average = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def step(self, model: nn.Module, step: int) -> None:
        """After optimizer step ``step``: follow ``model`` before ``start_step``, then average."""
        if step < self.start_step:
            self.copy_from(model)
        elif step % self.every == 0:
            self.update(model)

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
