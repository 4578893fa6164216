"""The recipe's losses, sorted by what they consume.

- pixel losses (``l1``, ``mse``, …) compare prediction and target under the missing-target mask;
- the codebook loss weights the quantizer's commitment/codebook term;
- an adversarial loss (``gan``) has a generator side (with the adaptive weight, which needs the
  pixel loss and the generator's last layer) and a discriminator side.

A loss says what it is through a ``role`` attribute (``"pixel"`` when absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from i2i.errors import I2IError


@dataclass
class LossSet:
    pixel: list[nn.Module] = field(default_factory=list)
    codebook: list[nn.Module] = field(default_factory=list)
    adversarial: nn.Module | None = None

    @classmethod
    def build(cls, specs: list[Any], registries: Any, has_discriminator: bool) -> LossSet:
        losses = cls()
        for index, spec in enumerate(specs):
            module = registries.losses.create(spec)
            role = getattr(module, "role", "pixel")
            if role == "adversarial":
                if losses.adversarial is not None:
                    raise I2IError(f"losses[{index}]: only one adversarial loss is allowed.")
                if not has_discriminator:
                    raise I2IError(
                        f"losses[{index}] ({spec.name}) is adversarial but the recipe has no "
                        "model.discriminator; add one (e.g. {name: patchgan}) or drop the loss."
                    )
                losses.adversarial = module
            elif role == "codebook":
                losses.codebook.append(module)
            else:
                losses.pixel.append(module)
        if not losses.pixel:
            raise I2IError("losses: the recipe needs at least one pixel loss (e.g. {name: l1}).")
        return losses

    def reconstruction(
        self, prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Sum of the pixel losses; prediction, target (B, C, H, W), mask (B, C)."""
        total = prediction.new_zeros(())
        logs: dict[str, float] = {}
        for loss in self.pixel:
            value, entries = loss(prediction, target, mask)
            total = total + value
            logs |= entries
        return total, logs

    def quantizer(self, quantizer_loss: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        total = quantizer_loss.new_zeros(())
        logs: dict[str, float] = {}
        for loss in self.codebook:
            value, entries = loss(quantizer_loss)
            total = total + value
            logs |= entries
        return total, logs
