"""Fixtures of the bioimageio plugin's tests: a real ISL phase-contrast image, tiny UNet and
VQGAN weights, and each exported as a bioimage.io package (once per module)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bioimageio_support import TIMM_SPEC, VQGAN_SPEC, export, save_model
from zoo_support import TINY_SPEC

pytest.importorskip("bioimageio.spec", reason="needs the bioimageio extra")
pytest.importorskip("onnxruntime", reason="needs the bioimageio extra")


@pytest.fixture(scope="session")
def phase_image(shared_data: Path) -> Path:
    """A real 1024 x 1024 16-bit phase-contrast plane of the ISL sample."""
    return next((shared_data / "isl_condition_b").glob("*z_depth-6,channel-PHASE_CONTRAST*"))


@pytest.fixture(scope="session")
def phase_crop(phase_image: Path, tmp_path_factory) -> Path:
    """A 320 x 288 crop of the real phase-contrast plane (not a multiple of the tile), as TIFF."""
    import tifffile

    from i2i.io import open_image

    plane = open_image(phase_image).read_plane()[352:672, 368:656]
    path = tmp_path_factory.mktemp("crop") / "phase_crop.tif"
    tifffile.imwrite(path, plane)
    return path


@pytest.fixture(scope="module")
def unet_weights(tmp_path_factory) -> Path:
    return save_model(tmp_path_factory.mktemp("unet") / "best.safetensors", TINY_SPEC, "tiny_unet")


@pytest.fixture(scope="module")
def vqgan_weights(tmp_path_factory) -> Path:
    return save_model(
        tmp_path_factory.mktemp("vqgan") / "best.safetensors", VQGAN_SPEC, "tiny_vqgan"
    )


@pytest.fixture(scope="module")
def timm_weights(tmp_path_factory) -> Path:
    return save_model(tmp_path_factory.mktemp("timm") / "best.safetensors", TIMM_SPEC, "tiny_timm")


@pytest.fixture(scope="module")
def unet_package(unet_weights, phase_image, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unet_package")
    assert export(unet_weights, out, phase_image, "--format", "bioimageio") == 0
    return out / "tiny-dapi.bioimageio.zip"


@pytest.fixture(scope="module")
def vqgan_package(vqgan_weights, phase_image, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vqgan_package")
    assert export(vqgan_weights, out, phase_image, "--format", "bioimageio") == 0
    return out / "tiny-dapi.bioimageio.zip"
