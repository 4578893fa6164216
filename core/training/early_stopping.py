"""Early stopping on the validation metric (``train.early_stopping: {patience, min_delta}``).

The rule of Keras' and PyTorch Lightning's ``EarlyStopping``: a validation improves when its
value of ``train.best_metric`` beats the reference value by more than ``min_delta`` in the
metric's direction (the direction that picks the best weights); the reference then becomes that
value and the count of stale validations restarts. After ``patience`` stale validations in a
row the run stops. The reference only moves on an improvement by ``min_delta``, so a slow creep
of small gains still adds up to one. A NaN value never improves.

The count and the reference live in the checkpointed :class:`~i2i.training.checkpoint.Progress`,
so a resumed run keeps counting where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from i2i.recipe.sections import EarlyStoppingConfig
from i2i.training.checkpoint import Progress


class EarlyStopping:
    """Counts validations without an improvement of ``val/<metric>``."""

    def __init__(self, config: EarlyStoppingConfig, metric: str, higher_is_better: bool):
        self.patience = config.patience
        self.min_delta = config.min_delta
        self.key = f"val/{metric}"
        self.higher_is_better = higher_is_better

    def should_stop(self, values: Mapping[str, float], progress: Progress) -> bool:
        """Record the validation ``values`` in ``progress``; whether the run should stop."""
        if self.key not in values:
            return False
        value, reference = values[self.key], progress.reference_value
        if self._improves(value, reference):
            progress.reference_value, progress.stale_validations = value, 0
            return False
        progress.stale_validations += 1
        return progress.stale_validations >= self.patience

    def _improves(self, value: float, reference: float | None) -> bool:
        if math.isnan(value):
            return False
        if reference is None or math.isnan(reference):
            return True
        gain = value - reference if self.higher_is_better else reference - value
        return gain > self.min_delta

    def reason(self, progress: Progress) -> str:
        """Why the run stopped, for the summary and the log."""
        best = ""
        if progress.best_step is not None and progress.best_value is not None:
            best = f"; the best, {progress.best_value:.4g}, was at step {progress.best_step}"
        direction = "rise" if self.higher_is_better else "fall"
        return (
            f"early stopping: {self.key} did not {direction} by more than {self.min_delta:g} "
            f"in {self.patience} validation(s){best}"
        )
