"""Fixtures for the napari plugin's tests: a headless Qt, and a crop of the real ISL field.

The tests need the ``napari-test`` extra (napari, PyQt5, magicgui, pytest-qt, pytest-xvfb) and
skip without napari. Qt runs on the ``offscreen`` platform; napari's canvas still needs an
OpenGL context from an X server: pytest-xvfb starts Xvfb when it is installed (Debian/Ubuntu:
``apt-get install xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 ...``, see
docs/napari.md). Without a display the viewer tests fail with that advice rather than skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("napari", reason="the napari plugin's tests need the 'napari-test' extra")
pytest.importorskip("pytestqt", reason="the napari plugin's tests need the 'napari-test' extra")

from i2i.image import PixelSizes
from i2i.image_stack import stack_images
from i2i.io import open_image, write_image
from i2i_plugins.napari_i2i.samples import isl_dapi_file, isl_phase_files

CROP = (slice(384, 640), slice(384, 640))
"""A 256 x 256 crop of the ISL field with nuclei in it: several tiles, a second to predict."""


@pytest.fixture
def display() -> str:
    """The X display napari's OpenGL canvas draws on; a clear failure when there is none."""
    display = os.environ.get("DISPLAY")
    if not display:
        pytest.fail(
            "no X display for napari's OpenGL canvas: install Xvfb (apt-get install xvfb) so "
            "that pytest-xvfb starts one, or run under xvfb-run."
        )
    return display


@pytest.fixture
def viewer(display, make_napari_viewer):
    """A real napari viewer (napari's own fixture)."""
    return make_napari_viewer()


@pytest.fixture(scope="session")
def isl_crop_files(shared_data: Path, tmp_path_factory) -> dict[str, Path]:
    """The ISL crop as files i2i wrote: the 13-plane phase stack and the real DAPI (OME-TIFF)."""
    folder = tmp_path_factory.mktemp("isl")
    isl = shared_data / "isl_condition_b"
    phase = [
        _write_crop(path, folder / f"phase_z{z:02d}.ome.tiff", "phase")
        for z, path in enumerate(isl_phase_files(isl))
    ]
    stack = stack_images(phase, folder / "phase.ome.tiff", pixel_size_um=0.5)
    dapi = _write_crop(isl_dapi_file(isl), folder / "dapi.ome.tiff", "DAPI", pixel_size_um=0.5)
    return {"phase": stack, "dapi": dapi}


def _write_crop(
    source: Path, destination: Path, channel: str, pixel_size_um: float | None = None
) -> Path:
    plane = open_image(source).read_plane()[CROP]
    sizes = PixelSizes(y=pixel_size_um, x=pixel_size_um)
    return write_image(
        destination, np.ascontiguousarray(plane), channel_names=[channel], pixel_sizes=sizes
    )
