"""The Light My Cells metrics of one predicted layer against a real stain (no napari import).

The same :class:`i2i.evaluate.Evaluator` that ``i2i evaluate`` runs on files: both images
percentile-normalised 2-99.8 (the challenge's normalisation), then every registered metric
(SSIM, Pearson, MAE, Euclidean and cosine distance, ...). A layer with z-planes or time points
is scored plane by plane, like one file per plane; the widget shows the mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from i2i.evaluate import EvaluationError, Evaluator


@dataclass(frozen=True)
class FieldScores:
    """The metric values of a prediction against a target, by metric name."""

    values: dict[str, float]
    higher_is_better: dict[str, bool]
    planes: int

    def lines(self) -> list[str]:
        """One line per metric, with its direction: ``ssim   0.5669 (higher is better)``."""
        return [
            f"{name}: {value:.4f} ({'higher' if self.higher_is_better[name] else 'lower'} is "
            "better)"
            for name, value in self.values.items()
        ]


def score_field(
    prediction: Any,
    target: Any,
    *,
    names: Sequence[str] = ("prediction", "target"),
    organelle: str | None = None,
    device: str = "cpu",
) -> FieldScores:
    """Score ``prediction`` against ``target`` (arrays of one shape, (..., Y, X))."""
    pred, targ = np.asarray(prediction, np.float32), np.asarray(target, np.float32)
    if pred.shape != targ.shape:
        raise EvaluationError(
            f"{names[0]!r} is {pred.shape} but {names[1]!r} is {targ.shape}; compare a "
            "prediction with the real stain of the same field (same size)."
        )
    planes = pred.reshape(-1, 1, *pred.shape[-2:])  # (planes, 1, Y, X)
    evaluator = Evaluator(device=device, panel_size=0)
    channel = organelle or names[1]
    evaluator.add(
        planes,
        targ.reshape(planes.shape),
        images=[f"{names[0]}[{i}]" for i in range(len(planes))],
        channels=[channel],
    )
    result = evaluator.result()
    table = result.per_image
    values = {m: float(table[m].mean()) for m in result.metrics}
    return FieldScores(values, result.higher_is_better, len(planes))
