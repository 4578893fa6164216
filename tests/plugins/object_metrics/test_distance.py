"""The compiled distance transform equals scipy's exactly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from i2i_plugins.object_metrics.distance import distance_to_background


@pytest.mark.parametrize("seed", range(4))
def test_equal_to_scipy_on_random_masks(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        height, width = (int(n) for n in rng.integers(1, 70, 2))
        mask = rng.random((height, width)) < rng.uniform(0.3, 0.99)
        mask[:, int(rng.integers(0, width))] = True  # a column without background
        mask = ndimage.binary_dilation(mask, iterations=int(rng.integers(0, 4)))
        np.testing.assert_array_equal(
            distance_to_background(mask), ndimage.distance_transform_edt(mask)
        )


def test_known_distances_and_a_mask_without_background():
    mask = np.zeros((7, 9), dtype=bool)
    mask[1:6, 1:8] = True  # a 5 x 7 rectangle: its centre is 3 pixels from the outside
    assert distance_to_background(mask)[3, 4] == 3.0
    assert distance_to_background(mask)[1, 1] == 1.0
    full = np.ones((4, 4), dtype=bool)
    np.testing.assert_array_equal(
        distance_to_background(full), ndimage.distance_transform_edt(full)
    )
