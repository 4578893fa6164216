"""The optimizers of a run and their learning-rate schedules.

One optimizer for the generator side (encoder, quantizer, generator) and, when an adversarial
loss trains the critic, one for the discriminator; both of ``train.optimizer`` with the same
betas and weight decay, each with its own schedule (:func:`i2i.training.schedule.lr_factor`).
Their states (and the gradient scaler's, with fp16) are what a checkpoint saves besides the
weights, under the keys ``optimizers``, ``schedulers`` and ``scaler``.

Both use torch's fused Adam/AdamW kernel (one kernel for every parameter instead of a loop of
small operations, the same update to float rounding) where torch has it for the CPU and CUDA
alike (torch 2.4 and later), so the choice holds wherever Accelerate moves the parameters after
the optimizers are built. It is the running code's choice, not the checkpoint's: a resumed
optimizer keeps it whatever implementation saved the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from i2i.training.schedule import lr_factor

if TYPE_CHECKING:
    from torch.amp import GradScaler

    from i2i.recipe.sections import TrainConfig

GENERATOR, DISCRIMINATOR = "generator", "discriminator"
IMPLEMENTATION_KEYS = ("fused", "foreach")


def fused() -> bool | None:
    """``True`` where torch fuses Adam/AdamW on the CPU and CUDA alike (2.4+); else ``None``,
    torch's own default (``foreach`` on CUDA, a loop on the CPU)."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return True if (major, minor) >= (2, 4) else None


@dataclass(frozen=True)
class Optimizers:
    """The generator's optimizer, the critic's (``None`` when no adversarial loss trains it),
    and a learning-rate schedule for each, by name."""

    generator: torch.optim.Optimizer
    discriminator: torch.optim.Optimizer | None
    schedulers: dict[str, LambdaLR]

    @classmethod
    def build(cls, config: TrainConfig, model: nn.Module, critic: nn.Module | None) -> Optimizers:
        """The optimizers of ``train`` for ``model`` and the trained ``critic`` (or none)."""
        optimizer_class = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
        betas, decay, fuse = config.betas, config.weight_decay, fused()
        generator = optimizer_class(
            model.parameters(), lr=config.lr, betas=betas, weight_decay=decay, fused=fuse
        )
        discriminator = None
        if critic is not None:
            lr = config.discriminator_lr or config.lr
            discriminator = optimizer_class(
                critic.parameters(), lr=lr, betas=betas, weight_decay=decay, fused=fuse
            )
        named = {GENERATOR: generator, DISCRIMINATOR: discriminator}
        schedule = config.scheduler
        schedulers = {
            name: LambdaLR(
                optimizer,
                lr_factor(
                    schedule.name,
                    schedule.warmup_steps,
                    config.max_steps,
                    optimizer.param_groups[0]["lr"],
                    schedule.min_lr,
                ),
            )
            for name, optimizer in named.items()
            if optimizer is not None
        }
        return cls(generator, discriminator, schedulers)

    def prepared(
        self, generator: torch.optim.Optimizer, discriminator: torch.optim.Optimizer | None
    ) -> Optimizers:
        """These optimizers as Accelerate wrapped them (the schedules stay as they are)."""
        return replace(self, generator=generator, discriminator=discriminator)

    def named(self) -> dict[str, torch.optim.Optimizer]:
        """The optimizers by name (``generator``, and ``discriminator`` when there is one)."""
        named = {GENERATOR: self.generator}
        if self.discriminator is not None:
            named[DISCRIMINATOR] = self.discriminator
        return named

    def step(self, name: str, sync_gradients: bool) -> None:
        """Step optimizer ``name`` (its schedule too at the end of an accumulation), then clear
        its gradients."""
        optimizer = self.named()[name]
        optimizer.step()
        if sync_gradients:
            self.schedulers[name].step()
        optimizer.zero_grad(set_to_none=True)

    def learning_rate(self) -> float:
        """The generator's current learning rate (the one logged as ``train/lr``)."""
        return float(self.schedulers[GENERATOR].get_last_lr()[0])

    def state_dict(self, scaler: GradScaler | None) -> dict[str, object]:
        """Optimizer, scheduler and gradient-scaler states, as a checkpoint saves them."""
        states: dict[str, object] = {
            "optimizers": {n: o.state_dict() for n, o in self.named().items()},
            "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
        }
        if scaler is not None:
            states["scaler"] = scaler.state_dict()
        return states

    def load_state_dict(self, states: Mapping[str, Any], scaler: GradScaler | None) -> None:
        """Restore what :meth:`state_dict` saved (``states`` as read from a checkpoint), keeping
        this optimizer's implementation (a checkpoint's param groups carry the saver's)."""
        for name, optimizer in self.named().items():
            chosen = [{k: g[k] for k in IMPLEMENTATION_KEYS} for g in optimizer.param_groups]
            optimizer.load_state_dict(states["optimizers"][name])
            for group, keys in zip(optimizer.param_groups, chosen, strict=True):
                group.update(keys)
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(states["schedulers"][name])
        if scaler is not None and "scaler" in states:
            scaler.load_state_dict(states["scaler"])
