"""i2i.normalization: the one percentile normalisation of training transforms and prediction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import i2i.normalization as normalization
from i2i.normalization import (
    NonFiniteWarning,
    PercentileBounds,
    grid_sample,
    image_bounds,
    plane_bounds,
)


def test_large_planes_use_sampled_percentiles(monkeypatch):
    plane = np.random.default_rng(0).gamma(2, 100, (1, 300, 300)).astype(np.float32)
    exact = plane_bounds(lambda y, x: plane[:, y, x], (300, 300), (2, 99.8))
    monkeypatch.setattr(normalization, "WHOLE_PLANE_LIMIT", 1000)
    monkeypatch.setattr(normalization, "SAMPLE_SIDE", 32)
    reads = []

    def read(y, x):
        reads.append((y.stop - y.start) * (x.stop - x.start))
        return plane[:, y, x]

    sampled = plane_bounds(read, (300, 300), (2, 99.8))
    assert max(reads) == 32 * 32  # never the whole plane
    np.testing.assert_allclose([sampled.low, sampled.high], [exact.low, exact.high], rtol=0.1)


def test_planes_read_whole_get_the_bounds_of_the_in_memory_image():
    plane = np.random.default_rng(1).gamma(2, 100, (2, 700, 600)).astype(np.uint16)
    lazy = plane_bounds(lambda y, x: plane[:, y, x], (700, 600), (2, 99.8))
    whole = image_bounds(plane, (2, 99.8))
    np.testing.assert_array_equal(lazy.low, whole.low)
    np.testing.assert_array_equal(lazy.high, whole.high)


def test_fields_above_the_grid_limit_are_sampled_on_a_regular_grid():
    image = np.arange(2 * 1024 * 1024, dtype=np.float32).reshape(2, 1024, 1024)
    pixels = grid_sample(image)
    assert pixels.shape == (2, 512 * 512) and pixels.dtype == np.float32
    np.testing.assert_array_equal(pixels[0, :3], [0, 2, 4])


def test_normalisation_maps_bounds_to_zero_and_one_and_clips_on_request():
    bounds = PercentileBounds(np.array([10.0, 5.0], np.float32), np.array([20.0, 5.0], np.float32))
    region = np.array([[[5.0, 10.0, 15.0, 30.0]], [[5.0, 6.0, np.nan, np.inf]]], np.float32)
    np.testing.assert_array_equal(bounds.normalize(region), [[[-0.5, 0, 0.5, 2]], [[0, 0, 0, 0]]])
    np.testing.assert_array_equal(bounds.normalize(region, clip=True)[0], [[0, 0, 0.5, 1]])
    assert region[0, 0, 0] == 5.0  # the input is not modified


def test_percentiles_ignore_non_finite_pixels():
    clean = np.arange(100, dtype=np.float32).reshape(1, 1, 100)
    spoilt = np.concatenate([clean, [[[np.nan, np.inf, -np.inf]]]], axis=2)
    expected = image_bounds(clean, (2, 98))
    with pytest.warns(NonFiniteWarning, match=r"^cells.tif: 3 of 103 pixel\(s\)"):
        bounds = image_bounds(spoilt, (2, 98), source="cells.tif")
    np.testing.assert_array_equal([bounds.low, bounds.high], [expected.low, expected.high])
    normalised = bounds.normalize(spoilt)
    assert np.isfinite(normalised).all() and (normalised[0, 0, 100:] == 0).all()


def test_a_channel_without_finite_pixels_becomes_zeros():
    image = np.stack([np.full((4, 4), np.nan, np.float32), np.eye(4, dtype=np.float32)])
    with pytest.warns(NonFiniteWarning, match="an input image: 16 of 32"):
        bounds = image_bounds(image, (2, 99.8))
    assert (bounds.low[0], bounds.high[0]) == (0, 0)
    assert (bounds.normalize(image)[0] == 0).all() and bounds.normalize(image)[1].max() == 1


def test_sampled_planes_count_non_finite_pixels_in_their_blocks(monkeypatch):
    plane = np.random.default_rng(0).gamma(2, 100, (1, 300, 300)).astype(np.float32)
    plane[0, :32, :32] = np.nan  # the first sampled block
    monkeypatch.setattr(normalization, "WHOLE_PLANE_LIMIT", 1000)
    monkeypatch.setattr(normalization, "SAMPLE_SIDE", 32)
    with pytest.warns(
        NonFiniteWarning, match=r"f.ome.zarr: 1024 of \d+ pixel\(s\) \(in sampled blocks\)"
    ):
        bounds = plane_bounds(lambda y, x: plane[:, y, x], (300, 300), (2, 99.8), "f.ome.zarr")
    assert np.isfinite(bounds.low).all() and np.isfinite(bounds.high).all()


def test_integer_images_are_not_scanned_for_non_finite_pixels():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image_bounds(np.ones((1, 8, 8), np.uint16), (2, 99.8), source="a.png")
    assert normalization.count_non_finite(np.ones(4, np.int32)) == 0
