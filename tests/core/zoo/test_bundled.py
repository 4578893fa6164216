"""The model shipped in the package works on a fresh install with no network: predict a
held-out crop of the real ISL field by zoo name, offline, and check it resembles DAPI."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import PixelSizes
from i2i.io import open_image, write_image

NAME = "isl-phase-dapi-unet"
WINDOW = (slice(384, 640), slice(768, 1024))  # in the right quarter, held out in training


def _normalise(plane: np.ndarray) -> np.ndarray:
    low, high = np.percentile(plane, [2, 99.8])
    return (plane - low) / (high - low)


def test_bundled_model_predicts_offline_by_name(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_OFFLINE", "1")
    monkeypatch.setenv("I2I_CACHE_DIR", str(tmp_path / "empty-cache"))
    folder = shared_data / "isl_condition_b"
    planes = []
    for z in range(13):
        (path,) = folder.glob(f"*z_depth-{z},channel-PHASE_CONTRAST*.png")
        with open_image(path) as image:
            planes.append(image.read(y=WINDOW[0], x=WINDOW[1])[0, 0, 0])
    stack = np.stack(planes)[None, None]  # (1, 1, 13, 256, 256)
    phase = write_image(
        tmp_path / "phase.ome.tif", stack, channel_names=["PHASE"], pixel_sizes=PixelSizes()
    )
    out = tmp_path / "dapi.ome.tif"
    result = CliRunner().invoke(
        app, ["predict", "--model", NAME, str(phase), "-o", str(out), "--float32"]
    )
    assert result.exit_code == 0, result.output
    (dapi_path,) = folder.glob("*channel-DAPI_CONFOCAL*.png")
    with open_image(dapi_path) as dapi, open_image(out) as predicted:
        target = _normalise(dapi.read(y=WINDOW[0], x=WINDOW[1])[0, 0, 0].astype(np.float64))
        prediction = _normalise(predicted.read_plane().astype(np.float64))
    pcc = np.corrcoef(prediction.ravel(), target.ravel())[0, 1]
    assert pcc > 0.5, f"held-out crop PCC {pcc:.3f}"


def test_bundled_model_is_listed_as_available_and_bundled():
    result = CliRunner().invoke(app, ["zoo", "list", "--json"])
    assert result.exit_code == 0
    assert f'"{NAME}"' in result.stdout and "available" in result.stdout
