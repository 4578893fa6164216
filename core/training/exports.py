"""The weights a run exports: ``best.safetensors`` whenever validation improves on
``train.best_metric``, and ``last.safetensors`` at the end.

The best value and its step live in the checkpointed :class:`~i2i.training.checkpoint.Progress`,
so a resumed run keeps comparing against the best of the whole run. Exported weights carry the
run's metadata (:meth:`i2i.training.parts.RunParts.export_metadata`): the resolved recipe and the
input contract, so that the file alone rebuilds and uses its model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from torch import nn

from i2i.training.checkpoint import Progress

if TYPE_CHECKING:
    from i2i.training.parts import RunParts


class WeightExports:
    """Decides when validation found new best weights, and writes exported weights (on the
    main process only: ``main_process`` is false on the others)."""

    def __init__(self, parts: RunParts, best_metric: str | None, main_process: bool):
        self.parts = parts
        self.best_metric = best_metric
        self.higher_is_better = parts.higher_is_better.get(best_metric or "", True)
        self.main_process = main_process

    def improves(self, values: Mapping[str, float], progress: Progress) -> bool:
        """Whether ``values`` (``val/<metric>``) beat the best so far; a new best is recorded
        in ``progress``."""
        key = f"val/{self.best_metric}"
        if self.best_metric is None or key not in values:
            return False
        value, best = values[key], progress.best_value
        if (
            best is None
            or math.isnan(best)
            or (value > best if self.higher_is_better else value < best)
        ):
            progress.best_value, progress.best_step = value, progress.step
            return True
        return False

    def save(self, path: Path, model: nn.Module, step: int) -> None:
        """Write ``model``'s weights with the run's metadata at optimizer step ``step``."""
        if not self.main_process:
            return
        from i2i.weights import save_weights

        save_weights(path, model, self.parts.export_metadata(step))
