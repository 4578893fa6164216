"""Measurement agreement: do the predicted stain's objects measure like the real stain's?

For each feature, over the objects of all fields: Spearman's rank correlation of the value in
the real and in the predicted stain (scale-free: a prediction whose intensities are off by a
constant factor still ranks the objects right), and per field the relative error of the field
mean, |mean_pred - mean_real| / |mean_real|, summarised by its median over fields. Features are
summarised per group (intensity, texture, granularity, radial_distribution, shape) by the
median over the group's features, and the features with the lowest correlation are listed.
Shape features compare each matched real object with its predicted object; the other groups
measure the real objects in both stains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from i2i_plugins.object_metrics.features import feature_group

MIN_OBJECTS = 3
"""Fewer objects than this give no correlation (NaN)."""


@dataclass(frozen=True)
class PairedMeasurements:
    """The same objects measured twice: rows are objects, columns features, one field each."""

    field: str
    real: pd.DataFrame
    predicted: pd.DataFrame


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of the finite pairs; NaN below MIN_OBJECTS or if constant."""
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < MIN_OBJECTS:
        return float("nan")
    ra = pd.Series(a[keep]).rank().to_numpy()
    rb = pd.Series(b[keep]).rank().to_numpy()
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def relative_error_of_mean(real: np.ndarray, predicted: np.ndarray) -> float:
    """|mean(predicted) - mean(real)| / |mean(real)| over finite pairs; NaN if mean(real) is 0."""
    keep = np.isfinite(real) & np.isfinite(predicted)
    if not keep.any():
        return float("nan")
    mean_real = real[keep].mean()
    if mean_real == 0:
        return float("nan")
    return float(abs(predicted[keep].mean() - mean_real) / abs(mean_real))


def feature_agreement(fields: list[PairedMeasurements]) -> pd.DataFrame:
    """One row per feature: ``feature, group, spearman, relative_error, n_objects, n_fields``."""
    fields = [f for f in fields if len(f.real)]
    if not fields:
        return pd.DataFrame(
            columns=["feature", "group", "spearman", "relative_error", "n_objects", "n_fields"]
        )
    real = pd.concat([f.real for f in fields], ignore_index=True)
    predicted = pd.concat([f.predicted for f in fields], ignore_index=True)
    rows = []
    for feature in real.columns:
        errors = [
            relative_error_of_mean(f.real[feature].to_numpy(), f.predicted[feature].to_numpy())
            for f in fields
        ]
        rows.append(
            {
                "feature": feature,
                "group": feature_group(feature),
                "spearman": spearman(real[feature].to_numpy(), predicted[feature].to_numpy()),
                "relative_error": float(np.nanmedian(errors))
                if np.isfinite(errors).any()
                else np.nan,
                "n_objects": len(real),
                "n_fields": len(fields),
            }
        )
    return pd.DataFrame(rows)


def group_summary(agreement: pd.DataFrame) -> pd.DataFrame:
    """Per feature group: median Spearman, median relative error and the number of features."""
    grouped = agreement.groupby("group", sort=True)
    return pd.DataFrame(
        {
            "spearman": grouped["spearman"].median(),
            "relative_error": grouped["relative_error"].median(),
            "n_features": grouped["feature"].count(),
        }
    ).reset_index()


def worst_features(agreement: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` features of lowest Spearman correlation (NaN counted as worst); none when
    no feature was compared (an organelle whose objects were never matched)."""
    ordered = agreement.assign(_key=agreement["spearman"].astype(float).fillna(-np.inf))
    return ordered.nsmallest(count, "_key").drop(columns="_key").reset_index(drop=True)
