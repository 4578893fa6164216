"""Fixtures of the plates plugin's tests (the plates themselves: plate_support.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from plate_support import (
    isl_fields,
    read_isl_planes,
    save_phase_weights,
    write_jump_folder,
    write_reference_plate,
)

pytest.importorskip("ome_zarr", reason="the plates plugin's tests need the 'plates' extra")


@pytest.fixture(scope="session")
def isl_planes(shared_data: Path) -> dict[str, np.ndarray]:
    return read_isl_planes(shared_data)


@pytest.fixture(params=[2, 3], ids=["ngff0.4", "ngff0.5"])
def isl_plate(request, isl_planes, tmp_path: Path) -> Path:
    """A plate of two wells x two fields of real ISL crops, NGFF 0.4 and 0.5, 0.65 µm."""
    path = tmp_path / f"isl_v{request.param}.ome.zarr"
    fields = isl_fields(isl_planes)
    return write_reference_plate(path, fields, zarr_format=request.param, pixel_size_um=0.65)


@pytest.fixture(scope="session")
def phase_weights(tmp_path_factory) -> Path:
    return save_phase_weights(tmp_path_factory.mktemp("weights") / "phase_dapi.safetensors")


@pytest.fixture(scope="session")
def jump_folder(shared_data: Path, tmp_path_factory) -> Path:
    return write_jump_folder(shared_data, tmp_path_factory.mktemp("jump"))
