"""Profile agreement: do predicted fields give the same image-based profile as the real ones?

A field's profile is the median over its real objects of every measured feature (as in
pycytominer's ``aggregate``), once in the real and once in the predicted stain. Each feature is
then robustly normalised against the real profiles across fields, (x - median) / (1.4826 MAD)
(pycytominer's ``normalize(method="mad_robustize")`` with the real fields as reference);
features without spread among the real fields are dropped. Per field, the cosine similarity of
the predicted and the real profile says how well the prediction keeps the field's phenotype
(1 = same direction, 0 = unrelated). When fields belong to wells, a well's profile is the median
of its fields' profiles (pycytominer's well-level aggregation of per-field medians), and the
wells are normalised and compared the same way.

When each field has a condition (a treatment, a genotype), the predicted profile of a field
should retrieve the real fields of its own condition before the others: the mean average
precision over predicted fields, with the real fields of the same condition as positives and of
other conditions as negatives, computed with copairs (Kalinin et al. 2025, "A versatile
information retrieval framework for evaluating profile strength and similarity", Nature
Communications 16, 4154; https://github.com/cytomining/copairs), the JUMP consortium's tool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from i2i_plugins.object_metrics.agreement import PairedMeasurements
from i2i_plugins.object_metrics.errors import ObjectEvaluationError

MIN_FIELDS = 2
"""Normalising against the real fields needs at least this many fields with objects."""
MAD_SCALE = 1.4826
"""Scales the median absolute deviation to the standard deviation of a normal distribution."""


@dataclass(frozen=True)
class ProfileAgreement:
    """Per-field cosine similarity and, with conditions, the retrieval mAP."""

    cosine: pd.DataFrame
    """``field, cosine`` for every field with objects (``well, cosine`` per well)."""
    n_features: int
    mean_average_precision: float | None = None
    """With conditions: mAP of predicted profiles retrieving their condition among real ones."""


def field_profiles(fields: list[PairedMeasurements]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(real, predicted) profiles: one row per field with objects, median over its objects."""
    used = [f for f in fields if len(f.real)]
    index = pd.Index([f.field for f in used], name="field")
    real = pd.DataFrame([f.real.median() for f in used], index=index)
    predicted = pd.DataFrame([f.predicted.median() for f in used], index=index)
    return real, predicted


def normalise_against_real(
    real: pd.DataFrame, predicted: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both profile tables robust-z-scored with the real fields' median and MAD per feature."""
    centre = real.median()
    spread = MAD_SCALE * (real - centre).abs().median()
    kept = spread[(spread > 0) & spread.notna()].index
    kept = [c for c in kept if predicted[c].notna().all() and real[c].notna().all()]
    scale = spread[kept]
    return (real[kept] - centre[kept]) / scale, (predicted[kept] - centre[kept]) / scale


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """a·b / (|a| |b|); NaN when either vector is zero."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm > 0 else float("nan")


def profile_agreement(
    fields: list[PairedMeasurements], conditions: dict[str, str] | None = None
) -> ProfileAgreement | None:
    """Profile agreement of the fields, or None with fewer than MIN_FIELDS fields with objects."""
    real, predicted = field_profiles(fields)
    return compared_profiles(real, predicted, conditions)


def well_profiles(
    real: pd.DataFrame, predicted: pd.DataFrame, wells: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(real, predicted) profiles per well: the median of the field profiles of each well
    (fields without a well are left out); one row per well, sorted."""
    fields = [f for f in real.index if f in wells]
    keys = pd.Index([wells[f] for f in fields], name="well")
    return (
        real.loc[fields].groupby(keys, sort=True).median(),
        predicted.loc[fields].groupby(keys, sort=True).median(),
    )


def well_profile_agreement(
    fields: list[PairedMeasurements],
    wells: dict[str, str],
    conditions: dict[str, str] | None = None,
) -> ProfileAgreement | None:
    """Profile agreement of the wells of ``fields`` (field -> well); with ``conditions``
    (field -> condition, the same for every field of a well), the retrieval mAP over wells.
    None without wells, or with fewer than MIN_FIELDS wells with objects."""
    if not wells:
        return None
    real, predicted = field_profiles(fields)
    real, predicted = well_profiles(real, predicted, wells)
    return compared_profiles(real, predicted, _well_conditions(wells, conditions))


def _well_conditions(
    wells: dict[str, str], conditions: dict[str, str] | None
) -> dict[str, str] | None:
    if conditions is None or any(field not in conditions for field in wells):
        return None
    of_well: dict[str, set[str]] = {}
    for field, well in wells.items():
        of_well.setdefault(well, set()).add(conditions[field])
    mixed = {well: found for well, found in of_well.items() if len(found) > 1}
    if mixed:
        well, found = next(iter(mixed.items()))
        raise ObjectEvaluationError(
            f"Well {well!r} has fields of the conditions {', '.join(sorted(found))}; a well "
            "holds one condition. Correct the conditions table (or the wells of its fields)."
        )
    return {well: found.pop() for well, found in of_well.items()}


def compared_profiles(
    real: pd.DataFrame, predicted: pd.DataFrame, conditions: dict[str, str] | None = None
) -> ProfileAgreement | None:
    """Cosine per row (a field or a well, named by the index) and, with ``conditions`` (row
    -> condition), the retrieval mAP; None with fewer than MIN_FIELDS rows."""
    if len(real) < MIN_FIELDS:
        return None
    real_z, predicted_z = normalise_against_real(real, predicted)
    cosine = pd.DataFrame(
        {
            real.index.name or "field": real_z.index,
            "cosine": [
                cosine_similarity(real_z.loc[f].to_numpy(), predicted_z.loc[f].to_numpy())
                for f in real_z.index
            ],
        }
    )
    retrieval = None
    if conditions is not None:
        retrieval = retrieval_map(real_z, predicted_z, conditions)
    return ProfileAgreement(cosine, real_z.shape[1], retrieval)


def retrieval_map(
    real: pd.DataFrame, predicted: pd.DataFrame, conditions: dict[str, str]
) -> float | None:
    """mAP of predicted profiles retrieving real ones of their condition (copairs), or None
    with fewer than two conditions or no feature left."""
    labels = [conditions[f] for f in real.index]
    if len(set(labels)) < 2 or real.shape[1] == 0:
        return None
    from copairs.map import average_precision

    meta = pd.DataFrame(
        {
            "field": list(real.index) * 2,
            "condition": labels * 2,
            "source": ["real"] * len(real) + ["predicted"] * len(predicted),
        }
    )
    feats = np.vstack([real.to_numpy(), predicted.to_numpy()])
    scores = average_precision(
        meta,
        feats,
        pos_sameby=["condition"],
        pos_diffby=["source"],
        neg_sameby=[],
        neg_diffby=["condition", "source"],
        progress_bar=False,
    )
    queries = scores[scores["source"] == "predicted"]["average_precision"]
    return float(queries.mean()) if queries.notna().any() else None
