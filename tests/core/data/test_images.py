"""i2i.data.images: cached image handles and the guard against NaN or infinite sample pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from i2i.data import DataError
from i2i.data.images import ImageCache
from i2i.data.records import PlaneRef
from i2i.io import write_image


def test_plane_reads_with_non_finite_pixels_name_the_file_and_region(tmp_path: Path) -> None:
    pixels = np.ones((1, 2, 1, 16, 16), np.float32)
    pixels[0, 1, 0, 10, 12] = np.inf
    path = write_image(tmp_path / "target.ome.tif", pixels, ["DNA", "Mito"])
    cache = ImageCache()
    assert cache.read(PlaneRef(path, "DNA")).shape == (16, 16)
    assert cache.read(PlaneRef(path, "Mito"), slice(0, 8), slice(0, 8)).sum() == 64  # no bad pixel
    with pytest.raises(DataError, match=r"target.ome.tif: channel 'Mito', z=0, rows 8:16, colu"):
        cache.read(PlaneRef(path, "Mito"), slice(8, 16), slice(8, 16))
    with pytest.raises(DataError, match=r"z=0 has 1 NaN or infinite pixel\(s\); training on it"):
        cache.read(PlaneRef(path, 1))


def test_integer_planes_open_once_per_process(tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.ome.tif", np.arange(64, dtype=np.uint16).reshape(8, 8))
    cache = ImageCache(capacity=1)
    first = cache.open(path)
    assert cache.open(path) is first and cache.plane_shape(PlaneRef(path)) == (8, 8)
    np.testing.assert_array_equal(cache.read(PlaneRef(path)), np.arange(64).reshape(8, 8))
