"""The input-domain guard: every input of ``i2i predict`` / ``Predictor.predict`` is compared
with the model's training data, and a difference is a warning naming the file and saying by how
much (an error with ``--strict-domain``). Real images: the ISL phase-contrast field the models
train on, and the yeast fluorescence time-lapse of issue 20 (17 z-planes, 65 nm)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from training_support import write_isl_recipe
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.domain import DomainError, DomainWarning
from i2i.image import PixelSizes
from i2i.io import open_image, write_image
from i2i.prediction import PixelSizeWarning, Predictor, load_predictor

YEAST = "nellie_yeast_mito/yeast_3d_mitochondria.ome.tif"
ZOO_MODEL = "isl-phase-dapi-unet"


def _yeast_crops(shared_data: Path, folder: Path, count: int = 2) -> list[Path]:
    """Time points of the yeast file as small OME-TIFFs (17 z-planes, 65 nm kept)."""
    folder.mkdir(exist_ok=True)
    with open_image(shared_data / YEAST) as image:
        paths = []
        for t in range(count):
            stack = image.read(t=t, y=slice(0, 64), x=slice(0, 64))  # (1, 1, 17, 64, 64)
            path = folder / f"yeast_t{t}.ome.tif"
            write_image(path, stack, ["mito"], image.pixel_sizes)
            paths.append(path)
    return paths


def _isl_stack(shared_data: Path, path: Path) -> Path:
    """The held-out right quarter of the ISL field (256 x 256), its 13 phase planes as Z."""
    folder = shared_data / "isl_condition_b"
    planes = []
    for z in range(13):
        (file,) = folder.glob(f"*z_depth-{z},channel-PHASE_CONTRAST,*")
        with open_image(file) as image:
            planes.append(image.read(t=0, y=slice(0, 256), x=slice(768, 1024))[0, 0, 0])
    write_image(path, np.stack(planes)[None, None], ["PHASE_CONTRAST"])
    return path


@pytest.fixture(scope="module")
def isl_weights(tmp_path_factory, shared_data) -> Path:
    """A tiny phase -> DAPI model trained on the real ISL field (records its domain)."""
    folder = tmp_path_factory.mktemp("isl")
    recipe = write_isl_recipe(folder, shared_data / "isl_condition_b")
    return i2i.train(recipe, device="cpu").run.last_weights


def _predict(*args: str):
    return CliRunner().invoke(app, ["predict", *args, "--device", "cpu"])


def _domain_messages(result) -> list[str]:
    return [line for line in result.output.splitlines() if "differs from the model's" in line]


# -- weights without a recorded domain (the bundled zoo model) ----------------------------------


def test_the_phase_model_on_the_yeast_time_lapse_warns_for_every_file(shared_data, tmp_path):
    """Issue 20's example: before, nothing was said; now each file gets its own warning with
    the pixel size that cannot be checked and the z-planes the model ignores."""
    inputs = _yeast_crops(shared_data, tmp_path / "in")
    result = _predict(
        str(tmp_path / "in"), "-m", ZOO_MODEL, "-o", str(tmp_path / "out"), "--tile-size", "64"
    )
    assert result.exit_code == 0, result.output
    messages = _domain_messages(result)
    assert len(messages) == 2
    for path, message in zip(inputs, messages, strict=True):
        assert str(path) in message
        assert "pixel size 0.0655 µm" in message and "not recorded" in message
        assert "17 z-planes" in message and "reads z-planes 0..12" in message
        assert "ignores the other 4" in message


def test_strict_domain_makes_the_difference_an_error_and_writes_nothing(shared_data, tmp_path):
    (path,) = _yeast_crops(shared_data, tmp_path / "in", count=1)
    out = tmp_path / "out.ome.zarr"
    result = _predict(
        str(path), "-m", ZOO_MODEL, "-o", str(out), "--strict-domain", "--tile-size", "64"
    )
    assert result.exit_code != 0 and isinstance(result.exception, DomainError)
    message = str(result.exception)  # what 'i2i' prints as its one-paragraph error
    assert f"{path} differs from the model's training data" in message
    assert "--strict-domain makes this an error" in message
    assert not out.exists()


def test_the_python_api_warns_and_fails_the_same_way(shared_data, tmp_path):
    (path,) = _yeast_crops(shared_data, tmp_path / "in", count=1)
    predictor = load_predictor(ZOO_MODEL, device="cpu", tile_size=64)
    with pytest.warns(DomainWarning, match=r"17 z-planes"):
        predictor.predict(path)
    strict = load_predictor(ZOO_MODEL, device="cpu", tile_size=64, strict_domain=True)
    with pytest.raises(DomainError, match=r"yeast_t0.*pixel size 0.0655"):
        strict.predict(path)


def test_an_unknown_pixel_size_is_warned_for_every_file_of_a_batch(shared_data, tmp_path):
    """Before, only the first file of a folder batch got the pixel-size warning."""
    from predict_support import local_net

    from i2i.contract import InputContract

    paths = []
    with open_image(shared_data / YEAST) as image:
        for t in range(2):
            plane = image.read(t=t, z=8, y=slice(0, 48), x=slice(0, 48))
            paths.append(write_image(tmp_path / f"t{t}.ome.tif", plane, ["mito"], PixelSizes()))
    contract = InputContract(output_channels=["x"], pixel_size_um=0.1)
    predictor = Predictor(local_net(), contract, device="cpu")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in paths:
            predictor.predict(path)
    unknown = [str(w.message) for w in caught if w.category is PixelSizeWarning]
    assert len(unknown) == 2
    assert [str(p) in m for p, m in zip(paths, unknown, strict=True)] == [True, True]


# -- weights with a recorded domain -------------------------------------------------------------


def test_the_training_field_itself_raises_no_domain_warning(isl_weights, shared_data, tmp_path):
    stack = _isl_stack(shared_data, tmp_path / "isl_right.ome.tif")
    predictor = load_predictor(isl_weights, device="cpu", tile_size=128)
    assert predictor.domain is not None and predictor.domain.samples == 8
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        prediction = predictor.predict(stack)
    assert prediction.shape == (1, 1, 1, 256, 256)


def test_fluorescence_given_to_a_phase_model_warns_about_its_intensities(
    isl_weights, shared_data, tmp_path
):
    """The per-channel statistics after normalisation tell a dark fluorescence background
    (the field's DAPI image, given as its 13 planes) from phase contrast, and the message says
    which statistic is off by how much."""
    (dapi,) = (shared_data / "isl_condition_b").glob("*channel-DAPI_CONFOCAL,*")
    with open_image(dapi) as image:
        plane = image.read(t=0, y=slice(0, 256), x=slice(768, 1024))[0, 0, 0]
    folder = tmp_path / "in"
    folder.mkdir()
    write_image(folder / "dapi.ome.tif", np.stack([plane] * 13)[None, None], ["PHASE_CONTRAST"])
    result = _predict(
        str(folder), "-m", str(isl_weights), "-o", str(tmp_path / "out"), "--tile-size", "128"
    )
    assert result.exit_code == 0, result.output
    (message,) = _domain_messages(result)
    assert "dapi.ome.tif" in message
    assert "intensities after normalisation differ (threshold 25% of the training range)" in (
        message
    )
    median = re.search(r"PHASE_CONTRAST z\d+: median ([-\d.e]+) vs ([-\d.e]+)\.\.", message)
    assert median is not None, message
    seen, low = map(float, median.groups())
    assert seen < 0.05 < 0.3 < low  # a dark background far below the phase-contrast medians
    assert "pixel size" not in message and "z-planes" not in message  # those agree
