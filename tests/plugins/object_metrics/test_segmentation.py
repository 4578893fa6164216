"""Classical segmentation on constructed images whose answer is known."""

from __future__ import annotations

import numpy as np
from object_support import discs, stain

from i2i_plugins.object_metrics.params import SegmentationParams
from i2i_plugins.object_metrics.segmentation import segment


def _scaled(image: np.ndarray) -> np.ndarray:
    return (image - image.min()) / (image.max() - image.min())


def test_two_touching_discs_are_two_objects():
    truth = discs((80, 100), [(40, 35), (40, 63)], 15)  # centres 28 apart, radii 15: they overlap
    image = _scaled((truth > 0).astype(np.float32))
    labels = segment(image, SegmentationParams())
    assert labels.max() == 2
    left, right = labels[40, 30], labels[40, 70]
    assert left and right and left != right


def test_one_disc_is_one_object_and_its_area_is_kept():
    truth = discs((64, 64), [(32, 32)], 12)
    labels = segment(_scaled(stain(truth)), SegmentationParams())
    assert labels.max() == 1
    assert abs((labels > 0).sum() - (truth > 0).sum()) < 0.15 * (truth > 0).sum()


def test_a_flat_image_has_no_objects():
    assert segment(np.full((32, 32), 0.5, np.float32), SegmentationParams()).max() == 0


def test_small_specks_are_removed():
    truth = discs((64, 64), [(20, 20), (45, 45)], 2)  # 13 pixels each
    labels = segment(_scaled(stain(truth)), SegmentationParams(smoothing_sigma=0, min_size=30))
    assert labels.max() == 0


def test_local_threshold_finds_objects_on_a_ramp():
    truth = discs((96, 96), [(30, 30), (66, 66)], 10)
    ramp = np.linspace(0, 2000, 96, dtype=np.float32)[None, :]
    image = _scaled(stain(truth) + ramp)
    labels = segment(image, SegmentationParams(threshold="local", local_block_size=51))
    assert labels.max() == 2
