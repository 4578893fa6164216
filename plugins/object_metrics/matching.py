"""One-to-one matching of real and predicted objects by IoU (Hungarian assignment).

The IoU of every real/predicted pair comes from one contingency table of the two label images;
the assignment maximising the summed IoU is found with the Hungarian method (Kuhn 1955, "The
Hungarian method for the assignment problem"; ``scipy.optimize.linear_sum_assignment``), as in
the nucleus-segmentation benchmark of Caicedo et al. 2019 (Nature Methods 16, 1247) and
StarDist's ``matching``. Pairs with IoU 0 are not matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from i2i_plugins.object_metrics.segmentation import Labels


@dataclass(frozen=True)
class Matching:
    """Matched objects: ``real[i]`` (label) with ``predicted[i]``, overlapping by ``iou[i]``."""

    real: npt.NDArray[np.int64]
    predicted: npt.NDArray[np.int64]
    iou: npt.NDArray[np.float64]
    n_real: int
    n_predicted: int


def iou_matrix(real: Labels, predicted: Labels) -> npt.NDArray[np.float64]:
    """(n_real, n_predicted) IoU of real object i+1 and predicted object j+1."""
    n_real, n_pred = int(real.max(initial=0)), int(predicted.max(initial=0))
    pairs = real.ravel().astype(np.int64) * (n_pred + 1) + predicted.ravel()
    overlap = np.bincount(pairs, minlength=(n_real + 1) * (n_pred + 1))
    overlap = overlap.reshape(n_real + 1, n_pred + 1).astype(np.float64)
    area_real, area_pred = overlap.sum(axis=1), overlap.sum(axis=0)
    intersection = overlap[1:, 1:]
    union = area_real[1:, None] + area_pred[None, 1:] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def match_objects(real: Labels, predicted: Labels) -> Matching:
    """The one-to-one matching of largest total IoU between two label images of one field."""
    from scipy.optimize import linear_sum_assignment

    iou = iou_matrix(real, predicted)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    overlapping = iou[rows, cols] > 0
    rows, cols = rows[overlapping], cols[overlapping]
    return Matching(
        real=rows + 1,
        predicted=cols + 1,
        iou=iou[rows, cols],
        n_real=iou.shape[0],
        n_predicted=iou.shape[1],
    )
