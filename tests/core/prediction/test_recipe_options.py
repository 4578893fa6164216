"""The ``predict`` section of the recipe a model was trained with is how its weights predict:
``load_predictor`` and ``i2i predict`` take tiling, blending, rescaling and the writer from it;
options given explicitly win."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from typer.testing import CliRunner
from zoo_support import CONTRACT, TINY_SPEC

from i2i.cli import app
from i2i.io import open_image, write_image
from i2i.model import build_model
from i2i.prediction import InputContract, Predictor, load_predictor
from i2i.tiling import Tiling
from i2i.weights import save_weights

SECTION = {"tile_size": 32, "overlap": 0.5, "blend": "none", "batch_size": 2, "rescale": False}


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    model = build_model(TINY_SPEC).eval()
    recipe = {"name": "tiny", "model": TINY_SPEC, "predict": {**SECTION, "writer": None}}
    path = tmp_path / "tiny.safetensors"
    save_weights(path, model, {"recipe": recipe, "input_contract": CONTRACT})
    return path, model


def test_the_recipe_section_sets_the_predictor_defaults(weights):
    path, _ = weights
    predictor = load_predictor(path, device="cpu")
    tiling = predictor.tiling
    assert (tiling.tile_size, tiling.overlap, tiling.batch_size) == (32, 0.5, 2)
    assert tiling.sigma_fraction == 0.0 and tiling.rescale is False
    explicit = load_predictor(path, device="cpu", tile_size=48, overlap=0.25).tiling
    assert (explicit.tile_size, explicit.overlap, explicit.batch_size) == (48, 0.25, 2)


def test_i2i_predict_uses_the_recipe_tiling_unless_told_otherwise(weights, tmp_path):
    path, model = weights
    image = np.random.default_rng(0).integers(0, 4000, (1, 1, 1, 80, 72)).astype(np.uint16)
    source = tmp_path / "field.ome.tif"
    write_image(source, image, channel_names=["phase"])
    contract = InputContract.from_metadata(CONTRACT, "test")
    settings = {"device": "cpu", "output_dtype": "float32"}
    recipe_tiling = Tiling(tile_size=32, overlap=0.5, blend="none")
    as_recipe = Predictor(model, contract, **settings, tiling=recipe_tiling).predict(source)
    as_default = Predictor(model, contract, **settings).predict(source)
    assert not np.allclose(as_recipe, as_default, atol=1e-4)  # the two tilings differ

    for args, expected in (
        ([], as_recipe),
        (["--tile-size", "256", "--overlap", "0.25"], as_default),
    ):
        out = tmp_path / f"out{len(args)}.ome.tif"
        command = ["predict", str(source), "-m", str(path), "-o", str(out), "--float32", *args]
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
        with open_image(out) as predicted:
            np.testing.assert_allclose(predicted.read(), expected, atol=1e-5)


def test_tiling_options_are_the_tiling_fields_and_invalid_ones_are_clear_errors(weights):
    from i2i.prediction.loading import TilingOptions
    from i2i.tiling import TilingError

    assert set(TilingOptions.__annotations__) == set(Tiling.model_fields)
    path, _ = weights
    with pytest.raises(TilingError, match="tile_size"):
        load_predictor(path, device="cpu", tile_size=8)
