"""Sample data: File > Open Sample fetches the ISL field through i2i's verified cache."""

from __future__ import annotations

import numpy as np

from i2i.io import open_image
from i2i_plugins.napari_i2i.samples import isl_dapi_file, isl_phase_files


def test_the_isl_samples_open_from_the_verified_cache(viewer, shared_data, cache, monkeypatch):
    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data.as_uri())  # a mirror of the public set
    (phase,) = viewer.open_sample("i2i-microscopy", "isl_phase")
    (dapi,) = viewer.open_sample("i2i-microscopy", "isl_dapi")
    isl = shared_data / "isl_condition_b"
    assert phase.name == "ISL phase contrast" and phase.data.shape == (13, 1024, 1024)
    np.testing.assert_array_equal(phase.data[12], open_image(isl_phase_files(isl)[12]).read_plane())
    assert dapi.name == "ISL DAPI (real)"
    np.testing.assert_array_equal(dapi.data, open_image(isl_dapi_file(isl)).read_plane())
    assert len(list((cache / "samples" / "isl_condition_b").iterdir())) == 16  # all verified
