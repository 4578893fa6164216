"""cp-measure features on constructed objects: what scales with intensity and what does not."""

from __future__ import annotations

import numpy as np
import pytest
from object_support import discs
from scipy import ndimage

from i2i_plugins.object_metrics.features import SHAPE_FEATURES, measure, measure_shape

GROUPS = ["intensity", "texture", "granularity"]


@pytest.fixture(scope="module")
def objects():
    labels = discs((96, 96), [(30, 30), (65, 60), (20, 75)], 10)
    rng = np.random.default_rng(0)
    texture = ndimage.gaussian_filter(rng.random((96, 96)), 3.0)
    texture = (texture - texture.min()) / np.ptp(texture)
    image = np.clip(0.1 + 0.8 * texture * (labels > 0), 0, 1)
    return labels, image


def test_scaled_intensity_scales_intensity_features(objects):
    labels, image = objects
    full, half = measure(labels, image, GROUPS), measure(labels, 0.5 * image, GROUPS)
    for name in (
        "Intensity_MeanIntensity",
        "Intensity_IntegratedIntensity",
        "Intensity_MaxIntensity",
    ):
        np.testing.assert_allclose(half[f"intensity/{name}"], 0.5 * full[f"intensity/{name}"])


def test_scaled_intensity_leaves_normalised_texture_and_granularity(objects):
    labels, image = objects
    full, half = measure(labels, image, GROUPS), measure(labels, 0.5 * image, GROUPS)
    for direction in ("00", "01", "02", "03"):
        name = f"texture/Correlation_3_{direction}_256"  # Haralick's correlation: scale-free
        np.testing.assert_allclose(half[name], full[name], rtol=0.05, atol=0.01)
    for scale in (1, 2, 3):
        np.testing.assert_allclose(
            half[f"granularity/Granularity_{scale}"], full[f"granularity/Granularity_{scale}"]
        )
    # grey-level contrast is in (grey level)^2 units: it does scale, by 0.5^2
    np.testing.assert_allclose(
        half["texture/Contrast_3_00_256"], 0.25 * full["texture/Contrast_3_00_256"], rtol=0.05
    )


def test_one_row_per_object_and_no_location_columns(objects):
    labels, image = objects
    table = measure(labels, image, GROUPS)
    assert {len(v) for v in table.values()} == {3}
    assert not [k for k in table if "Location" in k]
    assert {k.split("/")[0] for k in table} == set(GROUPS)


def test_shape_features_of_a_disc():
    labels = discs((64, 64), [(32, 32)], 10)
    shape = measure_shape(labels)
    assert set(shape) == {f"shape/{n}" for n in SHAPE_FEATURES}
    assert shape["shape/Area"][0] == (labels > 0).sum()
    assert shape["shape/Eccentricity"][0] < 0.2 and shape["shape/Solidity"][0] > 0.9


def test_no_objects_give_empty_tables():
    empty = np.zeros((16, 16), np.int32)
    assert measure(empty, np.zeros((16, 16)), GROUPS) == {}
    assert all(len(v) == 0 for v in measure_shape(empty).values())
