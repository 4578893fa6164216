"""The object-level evaluation of predicted stains: segment, match, measure, aggregate.

For each field (one prediction and its real stain, one channel): both stains are scaled to 0-1
from their own percentiles; objects are segmented the same way from both
(:mod:`.segmentation`; cells grown from the nuclei of the field's nuclear channel for a
cytoplasmic stain, :mod:`.cells`) unless label images are given; real and predicted objects
are matched by IoU (:mod:`.matching`) and scored (:mod:`.detection`); the real objects are
measured with cp-measure in both stains and matched objects' shapes compared
(:mod:`.agreement`); fields, and wells of fields, are aggregated into profiles
(:mod:`.profiles`). Fields are grouped by organelle and evaluated in parallel
(:mod:`.parallel`). Several predictions of the same field (a model and references) are
evaluated in one pass, the real stain segmented and measured once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from i2i_plugins.object_metrics.agreement import PairedMeasurements
from i2i_plugins.object_metrics.cells import segment_cells
from i2i_plugins.object_metrics.detection import detection_scores
from i2i_plugins.object_metrics.errors import ObjectEvaluationError
from i2i_plugins.object_metrics.features import measure, measure_shape
from i2i_plugins.object_metrics.matching import Matching, match_objects
from i2i_plugins.object_metrics.parallel import ordered_map
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.report import FieldResult, ObjectReport, Overlay
from i2i_plugins.object_metrics.segmentation import Labels, segment

CELLS, OBJECTS = "cells", "objects"
"""What a field's objects are: cells grown from nuclei, or objects of the stain itself."""


@dataclass(frozen=True)
class NuclearStain:
    """The nuclear channel of a field, whose nuclei seed the cells of a cytoplasmic stain."""

    channel: str
    real: npt.NDArray[np.generic]
    """(H, W) the real nuclear stain."""
    predicted: npt.NDArray[np.generic] | None
    """(H, W) the predicted nuclear stain (used with ``cells.seeds: predicted``); None when
    the field has no prediction of it."""


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
    nuclei: NuclearStain | None = None
    """The field's nuclear channel: the stain is then segmented as cells grown from its nuclei."""
    well: str | None = None
    """The field's well (any group of fields) for per-well profiles; None: from ``group_by``."""


@dataclass(frozen=True)
class FieldOutcome:
    """What one field gives the report."""

    result: FieldResult
    measured: PairedMeasurements | None
    """The real objects measured in both stains; None without real objects."""
    shapes: PairedMeasurements | None
    """The shapes of the matched real and predicted objects; None without real objects."""
    overlay: Overlay | None
    condition: str | None
    well: str | None


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
    (report,) = evaluate_compared(({"": item} for item in fields), params).values()
    return report


def evaluate_compared(
    fields: Iterable[Mapping[str, FieldImages]], params: ObjectParams | None = None
) -> dict[str, ObjectReport]:
    """One report per name: each element of ``fields`` holds, by name, predictions of one
    field with the same real stain (a model's and references'); the real stain is segmented
    and measured once per field. Every element must have the same names."""
    params = params or ObjectParams()
    outcomes: dict[str, list[FieldOutcome]] = {}
    work = partial(evaluate_field, params=params)
    for field in ordered_map(work, _with_wells(fields, params.group_by), params.workers):
        for name, outcome in field.items():
            outcomes.setdefault(name, []).append(outcome)
    return {name: _report(found, params) for name, found in outcomes.items()}


def _with_wells(
    fields: Iterable[Mapping[str, FieldImages]], pattern: str | None
) -> Iterator[dict[str, FieldImages]]:
    for variants in fields:
        yield {
            name: item
            if item.well is not None or pattern is None
            else replace(item, well=well_of(item.field, pattern))
            for name, item in variants.items()
        }


def well_of(field: str, pattern: str) -> str:
    """The well of a field id by the ``group_by`` regular expression: its first group, or the
    whole match without groups."""
    found = re.search(pattern, field)
    if found is None:
        raise ObjectEvaluationError(
            f"Field {field!r} does not match group_by {pattern!r}, so its well is unknown. "
            "Give a pattern every field id matches (e.g. '^([A-P]/\\d+)/' for 'B/03/0'), or "
            "a conditions table with a 'well' column."
        )
    return found.group(1) if found.re.groups else found.group(0)


def evaluate_field(
    variants: Mapping[str, FieldImages], params: ObjectParams
) -> dict[str, FieldOutcome]:
    """Every prediction of one field against its real stain (segmented and measured once)."""
    first = next(iter(variants.values()))
    real = scaled(first.real, params.percentiles)
    real_seeds = _nuclei(first, "real", params)
    real_labels = _labels(first.real_labels, real, real_seeds, params)
    real_features = pd.DataFrame(measure(real_labels, real, params.features, params.granularity))
    real_shapes = pd.DataFrame(measure_shape(real_labels))
    outcomes = {}
    for name, item in variants.items():
        predicted = scaled(item.predicted, params.percentiles)
        seeds = real_seeds if params.cells.seeds == "real" else _nuclei(item, "predicted", params)
        pred_labels = _labels(item.predicted_labels, predicted, seeds, params)
        matching = match_objects(real_labels, pred_labels)
        detection = detection_scores(matching, params.iou_threshold)
        kind = CELLS if real_seeds is not None and first.real_labels is None else OBJECTS
        result = FieldResult.of(item.field, item.organelle, matching, detection, kind)
        found = detection is not None
        outcomes[name] = FieldOutcome(
            result,
            _measured_in_both(item, real_labels, real_features, predicted, params)
            if found
            else None,
            _matched_shapes(item.field, real_shapes, pred_labels, matching, params.iou_threshold)
            if found
            else None,
            Overlay(item.field, real, predicted, real_labels, pred_labels) if found else None,
            item.condition,
            item.well,
        )
    return outcomes


def _nuclei(
    item: FieldImages, which: Literal["real", "predicted"], params: ObjectParams
) -> Labels | None:
    """The nuclei of the field's real or predicted nuclear stain; None without one."""
    if item.nuclei is None:
        return None
    nuclear = item.nuclei.real if which == "real" else item.nuclei.predicted
    if nuclear is None:
        raise ObjectEvaluationError(
            f"{item.field}: cells.seeds is 'predicted', but this field has no prediction of "
            f"its nuclear stain {item.nuclei.channel}. Predict that stain too, or set "
            "cells.seeds to 'real'."
        )
    return segment(scaled(nuclear, params.percentiles), params.segmentation)


def _labels(
    given: Labels | None,
    stain: npt.NDArray[np.float32],
    seeds: Labels | None,
    params: ObjectParams,
) -> Labels:
    """The given labels, else cells grown from ``seeds``, else the stain's own objects."""
    if given is not None:
        return given
    if seeds is not None:
        return segment_cells(stain, seeds, params.cells)
    return segment(stain, params.segmentation)


def _report(outcomes: list[FieldOutcome], params: ObjectParams) -> ObjectReport:
    measured: dict[str, list[PairedMeasurements]] = {}
    shapes: dict[str, list[PairedMeasurements]] = {}
    conditions: dict[str, dict[str, str]] = {}
    wells: dict[str, dict[str, str]] = {}
    overlays: dict[str, Overlay] = {}
    for outcome in outcomes:
        organelle, field = outcome.result.organelle, outcome.result.field
        if outcome.measured is None or outcome.shapes is None or outcome.overlay is None:
            continue
        measured.setdefault(organelle, []).append(outcome.measured)
        shapes.setdefault(organelle, []).append(outcome.shapes)
        if outcome.condition is not None:
            conditions.setdefault(organelle, {})[field] = outcome.condition
        if outcome.well is not None:
            wells.setdefault(organelle, {})[field] = outcome.well
        best = overlays.get(organelle)
        if best is None or outcome.result.n_real > int(best.real_labels.max()):
            overlays[organelle] = outcome.overlay
    results = [outcome.result for outcome in outcomes]
    return ObjectReport.of(results, measured, shapes, conditions, wells, overlays, params)


def _measured_in_both(
    item: FieldImages,
    labels: Labels,
    real_features: pd.DataFrame,
    predicted: npt.NDArray[np.float32],
    params: ObjectParams,
) -> PairedMeasurements:
    in_predicted = measure(labels, predicted, params.features, params.granularity)
    return PairedMeasurements(item.field, real_features, pd.DataFrame(in_predicted))


def _matched_shapes(
    field: str,
    real_shapes: pd.DataFrame,
    pred_labels: Labels,
    matching: Matching,
    threshold: float,
) -> PairedMeasurements:
    """Shapes of the real objects found (IoU >= threshold) and of the objects that found them."""
    found = matching.iou >= threshold
    real = real_shapes.iloc[matching.real[found] - 1]
    predicted = pd.DataFrame(measure_shape(pred_labels)).iloc[matching.predicted[found] - 1]
    return PairedMeasurements(field, real.reset_index(drop=True), predicted.reset_index(drop=True))
