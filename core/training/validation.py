"""Validation during training: predict the validation split, score it with the metric plugins.

Runs on the main process with the unwrapped (or EMA) model while the others wait: simple,
exact (no padded duplicates from sharding), and cheap next to training.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn


@torch.no_grad()
def validate(
    model: nn.Module,
    val_loader: Any,
    evaluator_factory: Callable[[], Any],
    accelerator: Any,
) -> tuple[dict[str, float], tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None]:
    """Mean of each metric over validation images (``val/<metric>``) and the first batch."""
    values: dict[str, float] = {}
    first = None
    if val_loader is not None and accelerator.is_main_process:
        module = accelerator.unwrap_model(model)
        was_training = module.training
        module.eval()
        evaluator = evaluator_factory()
        device = accelerator.device
        for index, batch in enumerate(val_loader):
            inputs = batch["input"].to(device)
            with accelerator.autocast():
                prediction = module(inputs)[0].float()
            target, mask = batch["target"].to(device), batch["mask"].to(device)
            names = [f"val_{index}_{i}" for i in range(inputs.shape[0])]
            evaluator.add(prediction, target, images=names, mask=mask)
            if first is None:
                first = (inputs.cpu(), target.cpu(), prediction.cpu())
        module.train(was_training)
        table = evaluator.result().per_image
        for name in evaluator.result().metrics:
            if name in table and len(table):
                values[f"val/{name}"] = float(table[name].mean())
    accelerator.wait_for_everyone()
    return values, first
