"""Validation during training: predict the validation split, score it with the metric plugins.

Runs on the main process with the unwrapped (or EMA) model while the others wait: simple,
exact (no padded duplicates from sharding), and cheap next to training.

Validation predicts the way ``i2i predict`` does: an image larger than the recipe's
``predict.tile_size`` is predicted by sliding windows with that tile size and overlap
(:func:`i2i.prediction.sliding_window.sliding_window_predict` with the recipe's
:class:`~i2i.tiling.Tiling`), so the validation figure is the
figure a user gets, and a model trained on small crops is not judged on a whole field in one
pass (its normalisation layers would then see statistics it never met in training).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from i2i.tiling import Tiling

if TYPE_CHECKING:
    from accelerate import Accelerator
    from torch.utils.data import DataLoader

    from i2i.data.transforms import Sample
    from i2i.evaluate import Evaluator


@torch.no_grad()
def validate(
    model: nn.Module,
    val_loader: DataLoader[Sample] | None,
    evaluator_factory: Callable[[], Evaluator],
    accelerator: Accelerator,
    tiling: Tiling | None = None,
    multiple_of: int = 1,
) -> tuple[dict[str, float], tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None]:
    """Mean of each metric over validation images (``val/<metric>``) and the first batch.

    Images larger than ``tiling.tile_size`` are predicted by sliding windows with ``tiling``,
    tile sides rounded up to ``multiple_of`` (the model's size multiple).
    """
    values: dict[str, float] = {}
    first = None
    if val_loader is not None and accelerator.is_main_process:
        module = accelerator.unwrap_model(model)
        was_training = module.training
        module.eval()
        evaluator = evaluator_factory()
        device = accelerator.device

        def forward(inputs: torch.Tensor) -> torch.Tensor:
            with accelerator.autocast():
                return module(inputs.to(device))[0].float()  # (B, Cout, H, W)

        for index, batch in enumerate(val_loader):
            inputs = batch["input"]
            prediction = predict_batch(forward, inputs, tiling, multiple_of).to(device)
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


def predict_batch(
    forward: Callable[[torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    tiling: Tiling | None,
    multiple_of: int = 1,
) -> torch.Tensor:
    """(B, Cin, H, W) -> (B, Cout, H, W): one pass, or sliding windows when larger than a tile."""
    height, width = inputs.shape[-2:]
    if tiling is None or max(height, width) <= tiling.tile_size:
        return forward(inputs)
    from i2i.prediction.sliding_window import sliding_window_predict

    predictions = []
    for image in inputs.float().cpu().numpy():  # (Cin, H, W)
        rows: list[np.ndarray] = []

        def read(y: slice, x: slice, image: np.ndarray = image) -> np.ndarray:
            return image[:, y, x]

        def write(_rows: slice, block: np.ndarray, rows: list[np.ndarray] = rows) -> None:
            rows.append(block)  # (Cout, len(_rows), W), top to bottom

        sliding_window_predict(
            forward,
            read,
            (height, width),
            write,
            tiling,
            multiple_of=multiple_of,
        )
        predictions.append(torch.from_numpy(np.concatenate(rows, axis=1)))  # (Cout, H, W)
    return torch.stack(predictions)
