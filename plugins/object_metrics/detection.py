"""Detection agreement of one field: precision, recall and F1 at an IoU threshold.

A real object is found when the Hungarian matching (:mod:`.matching`) pairs it with a predicted
object at IoU >= the threshold (0.5 by default: a one-to-one match is then also the only
possible one, Caicedo et al. 2019). Precision = TP / predicted, recall = TP / real,
F1 = 2 TP / (real + predicted); the mean matched IoU averages the IoU of the pairs counted as
found; the count error is (predicted - real) / real. A field whose real stain has no objects has
no detection scores (it is reported, not averaged in as F1 = 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from i2i_plugins.object_metrics.matching import Matching


@dataclass(frozen=True)
class DetectionScores:
    """Detection agreement of one field (see the module docstring)."""

    n_real: int
    n_predicted: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    mean_matched_iou: float
    count_error: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def detection_scores(matching: Matching, iou_threshold: float = 0.5) -> DetectionScores | None:
    """The scores of one field, or None when the real stain has no objects."""
    if matching.n_real == 0:
        return None
    found = matching.iou >= iou_threshold
    tp = int(found.sum())
    n_real, n_pred = matching.n_real, matching.n_predicted
    return DetectionScores(
        n_real=n_real,
        n_predicted=n_pred,
        true_positives=tp,
        precision=tp / n_pred if n_pred else 0.0,
        recall=tp / n_real,
        f1=2 * tp / (n_real + n_pred),
        mean_matched_iou=float(matching.iou[found].mean()) if tp else float("nan"),
        count_error=(n_pred - n_real) / n_real,
    )
