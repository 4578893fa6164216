"""Learning-rate schedules: linear warm-up, then constant, cosine or linear decay to ``min_lr``."""

from __future__ import annotations

import math
from collections.abc import Callable


def lr_factor(
    name: str, warmup_steps: int, max_steps: int, base_lr: float, min_lr: float
) -> Callable[[int], float]:
    """The multiplier of ``base_lr`` at each step, for ``torch.optim.lr_scheduler.LambdaLR``."""
    floor = min_lr / base_lr if base_lr > 0 else 0.0

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if name == "constant":
            return 1.0
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        decay = 0.5 * (1 + math.cos(math.pi * progress)) if name == "cosine" else 1 - progress
        return floor + (1 - floor) * decay

    return factor
