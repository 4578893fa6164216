"""End to end: a saved model file, real readers and writers, the CLI, and real images."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.image import PixelSizes
from i2i.io import open_image, write_image
from i2i.model import build_model
from i2i.prediction import ContractError, load_predictor
from i2i.weights import save_weights

SPEC = {
    "in_channels": 1,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 8, "norm": "group", "groups": 4},
}
CONTRACT = {"output_channels": ["DNA"], "normalization": "percentile", "pixel_size_um": 0.5}


@pytest.fixture
def weights(tmp_path):
    model = build_model(SPEC)
    return save_weights(tmp_path / "tiny.safetensors", model, {"input_contract": CONTRACT})


def test_cli_predicts_an_ome_tiff_into_an_ome_zarr_with_metadata(tmp_path, weights):
    rng = np.random.default_rng(0)
    data = rng.integers(100, 4000, (1, 1, 3, 45, 61)).astype(np.uint16)
    source = write_image(
        tmp_path / "field.ome.tif", data, channel_names=["BF"], pixel_sizes=PixelSizes(1, 0.5, 0.5)
    )
    out = tmp_path / "field_dna.ome.zarr"
    args = ["predict", "-m", str(weights), str(source), "-o", str(out), "--tile-size", "32"]
    result = CliRunner().invoke(app, [*args, "--device", "cpu"])
    assert result.exit_code == 0, result.output
    written = open_image(out)
    assert written.shape == (1, 1, 3, 45, 61) and written.dtype == np.uint16
    assert written.channel_names == ["DNA"]
    assert (written.pixel_sizes.y, written.pixel_sizes.x) == (0.5, 0.5)
    expected = i2i.predict(source, model=weights, tile_size=32, device="cpu")
    from i2i.prediction.output import to_dtype

    stored = written.read()
    assert np.abs(stored.astype(int) - to_dtype(expected, np.dtype(np.uint16))).max() <= 1
    again = CliRunner().invoke(app, [*args])
    assert "0 prediction(s) written, 1 skipped" in again.output


def test_weights_without_a_contract_are_a_clear_error(tmp_path):
    path = save_weights(tmp_path / "bare.safetensors", build_model(SPEC), {})
    with pytest.raises(ContractError, match="no input contract"):
        load_predictor(path)


def test_model_size_multiple_is_respected_for_odd_sizes(weights):
    predictor = load_predictor(weights, tile_size=30, device="cpu", pixel_size=0.5)
    assert predictor.multiple_of == 4
    result = predictor.predict(np.random.default_rng(0).random((1, 37, 1)).astype(np.float32))
    assert result.shape == (1, 37, 1) and np.isfinite(result).all()


def test_real_bright_field_image(shared_data, weights, tmp_path):
    predictor = load_predictor(weights, tile_size=256, device="cpu", pixel_size=0.5)
    bright_field = shared_data / "jump_cpg0000_bf" / "brightfield_focus.tiff"
    out = predictor.predict(bright_field, out=tmp_path / "dna.ome.tif")
    written = open_image(out)
    assert written.shape == (1, 1, 1, 512, 512) and written.dtype == np.uint16
    assert written.read().std() > 0
