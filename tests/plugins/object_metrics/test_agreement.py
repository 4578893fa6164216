"""Measurement and profile agreement on constructed values, and through evaluate_fields."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from object_support import nuclei_field, stain

from i2i_plugins.object_metrics.agreement import (
    PairedMeasurements,
    feature_agreement,
    group_summary,
    relative_error_of_mean,
    spearman,
    worst_features,
)
from i2i_plugins.object_metrics.evaluation import FieldImages, evaluate_fields
from i2i_plugins.object_metrics.profiles import profile_agreement


def test_spearman_is_rank_correlation_and_nan_when_undefined():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(a, a**3) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert math.isnan(spearman(a[:2], a[:2]))  # too few objects
    assert math.isnan(spearman(a, np.ones(4)))  # constant


def test_relative_error_of_the_field_mean():
    assert relative_error_of_mean(np.array([1.0, 3.0]), np.array([2.0, 4.0])) == pytest.approx(0.5)
    assert math.isnan(relative_error_of_mean(np.zeros(3), np.ones(3)))


def _paired(field, real, predicted):
    return PairedMeasurements(field, pd.DataFrame(real), pd.DataFrame(predicted))


def test_feature_table_groups_and_worst():
    a = np.arange(1.0, 6.0)
    fields = [
        _paired(
            "f",
            {"intensity/good": a, "intensity/bad": a, "texture/ok": a},
            {"intensity/good": 2 * a, "intensity/bad": a[::-1], "texture/ok": a + 1},
        )
    ]
    table = feature_agreement(fields).set_index("feature")
    assert table.loc["intensity/good", "spearman"] == pytest.approx(1.0)
    assert table.loc["intensity/good", "relative_error"] == pytest.approx(1.0)
    assert table.loc["intensity/bad", "spearman"] == pytest.approx(-1.0)
    groups = group_summary(table.reset_index()).set_index("group")
    assert groups.loc["intensity", "n_features"] == 2 and groups.loc[
        "texture", "spearman"
    ] == pytest.approx(1.0)
    assert worst_features(table.reset_index(), 1)["feature"].tolist() == ["intensity/bad"]


def test_profiles_of_a_perfect_prediction_have_cosine_one_and_map_one():
    rng = np.random.default_rng(0)
    fields = []
    for index in range(6):
        shift = 5.0 if index % 2 else -5.0
        real = {f"intensity/f{k}": rng.normal(shift * (k % 2 * 2 - 1), 1, 8) for k in range(6)}
        fields.append(_paired(f"field{index}", real, real))
    conditions = {f"field{i}": "a" if i % 2 else "b" for i in range(6)}
    result = profile_agreement(fields, conditions)
    assert result is not None and result.n_features == 6
    np.testing.assert_allclose(result.cosine["cosine"], 1.0)
    assert result.mean_average_precision == pytest.approx(1.0)


def test_profiles_need_two_fields():
    a = np.arange(1.0, 6.0)
    assert profile_agreement([_paired("only", {"intensity/x": a}, {"intensity/x": a})]) is None


def test_a_prediction_off_by_a_constant_factor_measures_the_same():
    """Both stains are scaled to 0-1 from their own percentiles before measuring."""
    labels = nuclei_field(128, 9, seed=3)
    real = stain(labels, seed=3)
    report = evaluate_fields([FieldImages("f", real, 7.5 * real, "DAPI")])
    (detection,) = report.detection_summary().to_dict("records")
    assert detection["f1"] == 1.0 and detection["mean_matched_iou"] == pytest.approx(1.0)
    features = report.organelles["DAPI"].features
    intensity = features[features["group"] == "intensity"]
    assert intensity["spearman"].dropna().min() > 0.999
    assert intensity["relative_error"].dropna().max() < 1e-3


def test_no_compared_feature_gives_no_worst_features_not_a_type_error():
    from i2i_plugins.object_metrics.agreement import feature_agreement, worst_features

    empty = feature_agreement([])  # e.g. the shapes of an organelle with no matched object
    assert worst_features(empty, 5).empty
