"""IoU matching and detection scores with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from object_support import discs

from i2i_plugins.object_metrics.detection import detection_scores
from i2i_plugins.object_metrics.matching import iou_matrix, match_objects


def _square(shape, top, left, side, label=1, into=None):
    labels = np.zeros(shape, np.int32) if into is None else into
    labels[top : top + side, left : left + side] = label
    return labels


def test_a_shifted_copy_has_the_known_iou():
    real = _square((64, 64), 10, 10, 20)
    shifted = _square((64, 64), 10, 15, 20)  # overlap 20 x 15 = 300, union 500
    assert iou_matrix(real, shifted)[0, 0] == pytest.approx(0.6)
    matching = match_objects(real, shifted)
    assert matching.iou.tolist() == pytest.approx([0.6])
    scores = detection_scores(matching)
    assert (scores.f1, scores.mean_matched_iou) == (1.0, pytest.approx(0.6))
    shifted_more = _square((64, 64), 10, 22, 20)  # overlap 8 x 20 = 160, union 640: 0.25
    assert detection_scores(match_objects(real, shifted_more)).f1 == 0.0


def test_hungarian_matching_is_one_to_one_and_maximises_total_iou():
    real = discs((60, 120), [(30, 30), (30, 80)], 12)
    predicted = discs((60, 120), [(30, 82), (30, 33), (5, 5)], 12)  # reordered, plus a spurious one
    matching = match_objects(real, predicted)
    assert dict(zip(matching.real.tolist(), matching.predicted.tolist(), strict=True)) == {
        1: 2,
        2: 1,
    }
    scores = detection_scores(matching)
    assert (scores.n_real, scores.n_predicted, scores.true_positives) == (2, 3, 2)
    assert scores.precision == pytest.approx(2 / 3) and scores.recall == 1.0
    assert scores.f1 == pytest.approx(0.8) and scores.count_error == pytest.approx(0.5)


def test_a_field_without_real_objects_has_no_scores():
    empty = np.zeros((32, 32), np.int32)
    assert detection_scores(match_objects(empty, discs((32, 32), [(16, 16)], 5))) is None


def test_no_predicted_objects_is_zero_recall_not_an_error():
    scores = detection_scores(
        match_objects(discs((32, 32), [(16, 16)], 5), np.zeros((32, 32), np.int32))
    )
    assert (scores.recall, scores.precision, scores.f1) == (0.0, 0.0, 0.0)
    assert math.isnan(scores.mean_matched_iou) and scores.count_error == -1.0
