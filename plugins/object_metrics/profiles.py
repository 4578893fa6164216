"""Profile agreement: do predicted fields give the same image-based profile as the real ones?

A field's profile is the median over its real objects of every measured feature (as in
pycytominer's ``aggregate``), once in the real and once in the predicted stain. Each feature is
then robustly normalised against the real profiles across fields, (x - median) / (1.4826 MAD)
(pycytominer's ``normalize(method="mad_robustize")`` with the real fields as reference);
features without spread among the real fields are dropped. Per field, the cosine similarity of
the predicted and the real profile says how well the prediction keeps the field's phenotype
(1 = same direction, 0 = unrelated).

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

MIN_FIELDS = 2
"""Normalising against the real fields needs at least this many fields with objects."""
MAD_SCALE = 1.4826
"""Scales the median absolute deviation to the standard deviation of a normal distribution."""


@dataclass(frozen=True)
class ProfileAgreement:
    """Per-field cosine similarity and, with conditions, the retrieval mAP."""

    cosine: pd.DataFrame
    """``field, cosine`` for every field with objects."""
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
    if len(real) < MIN_FIELDS:
        return None
    real_z, predicted_z = normalise_against_real(real, predicted)
    cosine = pd.DataFrame(
        {
            "field": real_z.index,
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
