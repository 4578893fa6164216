"""The recipe's losses, sorted by what they consume.

- pixel losses (``l1``, ``mse``, …) compare prediction and target under the missing-target mask;
- the codebook loss weights the quantizer's commitment/codebook term;
- an adversarial loss (``gan``) has a generator side (with the adaptive weight, which needs the
  pixel loss and the generator's last layer) and a discriminator side.

A loss says what it is through a ``role`` attribute (``"pixel"`` when absent); an adversarial
loss has the two sides of :class:`AdversarialLoss`. Every loss returns ``(loss, logs)``, its logs
detached tensors (or Python numbers), which the trainer turns into floats only when it writes
them (:mod:`i2i.training.step_logs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import torch
from torch import nn

from i2i.errors import I2IError
from i2i.training.step_logs import Logs

if TYPE_CHECKING:
    from i2i.recipe.sections import ComponentSpec
    from i2i.registry import Registries


class AdversarialLoss(Protocol):
    """The generator and discriminator sides of a GAN loss (``role = "adversarial"``)."""

    def active(self, step: int) -> bool:
        """Whether the loss is on at ``step``; before, the trainer runs no critic (warm-up)."""
        ...

    def generator_loss(
        self,
        pixel_loss: torch.Tensor,
        fake_logits: torch.Tensor,
        last_layer: torch.Tensor | None,
        step: int,
    ) -> tuple[torch.Tensor, Logs]:
        """The generator's adversarial loss (``last_layer``: for an adaptive weight)."""
        ...

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor, step: int
    ) -> tuple[torch.Tensor, Logs]:
        """The critic's loss on real targets against predictions."""
        ...


@dataclass
class LossSet:
    pixel: list[nn.Module] = field(default_factory=list)
    codebook: list[nn.Module] = field(default_factory=list)
    adversarial: AdversarialLoss | None = None

    @classmethod
    def build(
        cls, specs: Sequence[ComponentSpec], registries: Registries, has_discriminator: bool
    ) -> LossSet:
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
    ) -> tuple[torch.Tensor, Logs]:
        """Sum of the pixel losses; prediction, target (B, C, H, W), mask (B, C)."""
        total = prediction.new_zeros(())
        logs: Logs = {}
        for loss in self.pixel:
            value, entries = loss(prediction, target, mask)
            total = total + value
            logs |= entries
        return total, logs

    def quantizer(self, quantizer_loss: torch.Tensor) -> tuple[torch.Tensor, Logs]:
        total = quantizer_loss.new_zeros(())
        logs: Logs = {}
        for loss in self.codebook:
            value, entries = loss(quantizer_loss)
            total = total + value
            logs |= entries
        return total, logs
