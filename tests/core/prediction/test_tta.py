"""``--tta --uncertainty``: the per-pixel standard deviation of the 8 flipped/rotated
predictions is written after the mean as ``<channel>_tta_std`` channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from predict_support import local_net
from typer.testing import CliRunner

from i2i.cli import app
from i2i.cli.prediction import PredictUsageError
from i2i.contract import InputContract
from i2i.io import open_image, write_image
from i2i.prediction import Predictor
from i2i.prediction.predictor import PredictorOptionError
from i2i.tiling import Tiling

ONE_TILE = Tiling(tile_size=64, overlap=0.0)


def _phase_crop(shared_data: Path) -> np.ndarray:
    """A 64 x 64 crop of the in-focus JUMP bright-field plane (a real image)."""
    with open_image(shared_data / "jump_cpg0000_bf/brightfield_focus.tiff") as image:
        return image.read(t=0, y=slice(200, 264), x=slice(200, 264))[0, 0, 0].astype(np.float32)


def _predictor(**options) -> Predictor:
    contract = InputContract(output_channels=["nucleus"])
    return Predictor(local_net(), contract, device="cpu", tiling=ONE_TILE, **options)


def test_the_spread_is_the_standard_deviation_of_the_eight_predictions(shared_data):
    image = _phase_crop(shared_data)
    plain = _predictor()
    by_symmetry = []
    for k in range(4):
        for mirrored in (False, True):
            view = np.rot90(image[:, ::-1] if mirrored else image, k)
            back = np.rot90(plain.predict(np.ascontiguousarray(view))[0], -k)
            by_symmetry.append(back[:, ::-1] if mirrored else back)
    expected = np.stack(by_symmetry)

    predictor = _predictor(tta=True, uncertainty=True)
    assert predictor.output_channels == ["nucleus", "nucleus_tta_std"]
    result = predictor.predict(image)  # (2, Y, X): the mean, then the spread
    assert result.shape == (2, 64, 64)
    np.testing.assert_allclose(result[0], expected.mean(0), atol=1e-5)
    np.testing.assert_allclose(result[1], expected.std(0), atol=1e-5)
    assert result[1].max() > 1e-3  # a random net is orientation-sensitive
    np.testing.assert_allclose(result[0], _predictor(tta=True).predict(image)[0], atol=1e-6)


def test_uncertainty_without_tta_is_an_error():
    with pytest.raises(PredictorOptionError, match=r"needs tta"):
        _predictor(uncertainty=True)


def _isl_stack(shared_data: Path, path: Path) -> Path:
    """A 64 x 64 crop of the ISL field's 13 phase-contrast planes as one z-stack."""
    planes = []
    for z in range(13):
        (file,) = (shared_data / "isl_condition_b").glob(f"*z_depth-{z},channel-PHASE*")
        with open_image(file) as image:
            planes.append(image.read(t=0, y=slice(300, 364), x=slice(800, 864))[0, 0, 0])
    return write_image(path, np.stack(planes)[None, None], ["PHASE_CONTRAST"])


def test_i2i_predict_writes_the_spread_as_a_named_channel(shared_data, tmp_path):
    source = _isl_stack(shared_data, tmp_path / "field.ome.tif")
    out = tmp_path / "field_dapi.ome.tif"
    args = ["predict", str(source), "-m", "isl-phase-dapi-unet", "-o", str(out)]
    args += ["--tile-size", "64", "--device", "cpu", "--float32", "--tta"]
    result = CliRunner().invoke(app, [*args, "--uncertainty"])
    assert result.exit_code == 0, result.output
    with open_image(out) as image:
        assert image.channel_names == ["DAPI_CONFOCAL", "DAPI_CONFOCAL_tta_std"]
        mean, spread = image.read()[0, :, 0]
    assert spread.min() >= 0 and spread.max() > 0
    assert float(spread.mean()) < float(np.abs(mean).mean())  # a spread, not a second mean

    mean_only = tmp_path / "mean_only.ome.tif"
    result = CliRunner().invoke(app, [*args[:5], str(mean_only), *args[6:]])
    assert result.exit_code == 0, result.output
    with open_image(mean_only) as image:
        assert image.channel_names == ["DAPI_CONFOCAL"]
        np.testing.assert_allclose(image.read()[0, 0, 0], mean, atol=1e-5)


def test_i2i_predict_refuses_uncertainty_without_tta(shared_data, tmp_path):
    source = _isl_stack(shared_data, tmp_path / "field.ome.tif")
    out = tmp_path / "out.ome.tif"
    args = ["predict", str(source), "-m", "isl-phase-dapi-unet", "-o", str(out)]
    refused = CliRunner().invoke(app, [*args, "--uncertainty"])
    assert refused.exit_code != 0 and isinstance(refused.exception, PredictUsageError)
    assert "needs --tta" in str(refused.exception)
    assert not out.exists()
