"""The object-level evaluation of predicted stains: segment, match, measure, aggregate.

For each field (one prediction and its real stain, one channel): both stains are scaled to 0-1
from their own percentiles; objects are segmented the same way from both
(:mod:`.segmentation`) unless label images are given; real and predicted objects are matched
by IoU (:mod:`.matching`) and scored (:mod:`.detection`); the real objects are measured with
cp-measure in both stains and matched objects' shapes compared (:mod:`.agreement`); fields
are aggregated into profiles (:mod:`.profiles`). Fields are grouped by organelle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from i2i_plugins.object_metrics.agreement import PairedMeasurements
from i2i_plugins.object_metrics.detection import detection_scores
from i2i_plugins.object_metrics.features import measure, measure_shape
from i2i_plugins.object_metrics.matching import Matching, match_objects
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.report import FieldResult, ObjectReport, Overlay
from i2i_plugins.object_metrics.segmentation import Labels, segment


@dataclass
class FieldImages:
    """One field to evaluate: the real and the predicted stain of one channel, (H, W) each."""

    field: str
    real: npt.NDArray[np.generic]
    predicted: npt.NDArray[np.generic]
    organelle: str = "stain"
    real_labels: Labels | None = None
    """Objects of the real stain (e.g. from CellProfiler or cellpose); None: segment them."""
    predicted_labels: Labels | None = None
    """Objects of the predicted stain; None: segment them."""
    condition: str | None = None
    """The field's condition (treatment, genotype) for the profile retrieval mAP."""


def scaled(
    image: npt.NDArray[np.generic], percentiles: tuple[float, float]
) -> npt.NDArray[np.float32]:
    """A (H, W) stain mapped from its own percentiles to 0-1, clipped."""
    from i2i.normalization import image_bounds

    planes = np.asarray(image, dtype=np.float32)[None]
    return image_bounds(planes, percentiles).normalize(planes, clip=True)[0]


def evaluate_fields(
    fields: Iterable[FieldImages], params: ObjectParams | None = None
) -> ObjectReport:
    """Detection, measurement and profile agreement of every field, grouped by organelle."""
    params = params or ObjectParams()
    results: list[FieldResult] = []
    measured: dict[str, list[PairedMeasurements]] = {}
    shapes: dict[str, list[PairedMeasurements]] = {}
    conditions: dict[str, dict[str, str]] = {}
    overlays: dict[str, Overlay] = {}
    for item in fields:
        real, predicted = (
            scaled(item.real, params.percentiles),
            scaled(item.predicted, params.percentiles),
        )
        real_labels = (
            item.real_labels if item.real_labels is not None else segment(real, params.segmentation)
        )
        pred_labels = (
            item.predicted_labels
            if item.predicted_labels is not None
            else segment(predicted, params.segmentation)
        )
        matching = match_objects(real_labels, pred_labels)
        detection = detection_scores(matching, params.iou_threshold)
        results.append(FieldResult.of(item.field, item.organelle, matching, detection))
        if detection is None:
            continue
        measured.setdefault(item.organelle, []).append(
            _measured_in_both(item.field, real_labels, real, predicted, params)
        )
        shapes.setdefault(item.organelle, []).append(
            _matched_shapes(item.field, real_labels, pred_labels, matching, params.iou_threshold)
        )
        if item.condition is not None:
            conditions.setdefault(item.organelle, {})[item.field] = item.condition
        best = overlays.get(item.organelle)
        if best is None or matching.n_real > int(best.real_labels.max()):
            overlays[item.organelle] = Overlay(
                item.field, real, predicted, real_labels, pred_labels
            )
    return ObjectReport.of(results, measured, shapes, conditions, overlays, params)


def _measured_in_both(
    field: str,
    labels: Labels,
    real: npt.NDArray[np.float32],
    predicted: npt.NDArray[np.float32],
    params: ObjectParams,
) -> PairedMeasurements:
    return PairedMeasurements(
        field,
        pd.DataFrame(measure(labels, real, params.features)),
        pd.DataFrame(measure(labels, predicted, params.features)),
    )


def _matched_shapes(
    field: str, real_labels: Labels, pred_labels: Labels, matching: Matching, threshold: float
) -> PairedMeasurements:
    """Shapes of the real objects found (IoU >= threshold) and of the objects that found them."""
    found = matching.iou >= threshold
    real = pd.DataFrame(measure_shape(real_labels)).iloc[matching.real[found] - 1]
    predicted = pd.DataFrame(measure_shape(pred_labels)).iloc[matching.predicted[found] - 1]
    return PairedMeasurements(field, real.reset_index(drop=True), predicted.reset_index(drop=True))
