"""Prediction normalises its input exactly as the training transform did, clipping included."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_support import TINY_UNET, write_recipe

import i2i
from i2i.contract import InputContract
from i2i.plugins import get_registries
from i2i.prediction import load_predictor
from i2i.tiling import Tiling
from i2i_plugins.datasets.demo import write_lmc_demo

CLIPPED = {"name": "percentile_normalize", "clip": True, "keys": ["input"]}


@pytest.fixture(scope="module")
def clipped_weights(tmp_path_factory):
    """Weights of a tiny model trained with ``percentile_normalize: {clip: true}``."""
    folder = tmp_path_factory.mktemp("clipped")
    write_lmc_demo(folder / "demo", seed=0)
    recipe = write_recipe(folder, folder / "demo", model=TINY_UNET, losses=[{"name": "l1"}])
    overrides = ["train.max_steps=2", "train.validate_every=2", "data.transforms.0.clip=true"]
    return i2i.train(recipe, overrides, device="cpu").run.last_weights


def _model_input(predictor, image: np.ndarray) -> np.ndarray:
    """What the predictor's model is given for a (Y, X) ``image`` that fits one tile."""
    seen: list[torch.Tensor] = []
    predictor.model.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    predictor.predict(image)
    assert len(seen) == 1 and seen[0].shape[-2:] == image.shape
    return seen[0][0].numpy()  # (1, Y, X)


def test_a_model_trained_with_clipping_is_predicted_with_the_training_input(clipped_weights):
    predictor = load_predictor(clipped_weights, device="cpu", tile_size=64, overlap=0.0)
    assert predictor.contract.clip is True
    image = np.random.default_rng(0).gamma(2.0, 300.0, (64, 64)).astype(np.float32)

    transform = get_registries().transforms.create(CLIPPED)
    trained_on = transform({"input": torch.from_numpy(image[None].copy())}, None)["input"]
    assert trained_on.min() == 0 and trained_on.max() == 1  # the image has pixels to clip

    np.testing.assert_array_equal(_model_input(predictor, image), trained_on.numpy())


def test_the_transform_states_its_clipping_in_the_contract():
    contract = get_registries().transforms.create(CLIPPED).contract
    assert contract == {"normalization": "percentile", "percentiles": (2.0, 99.8), "clip": True}
    target_only = get_registries().transforms.create({**CLIPPED, "keys": ["target"]}).contract
    assert target_only == {}


def test_weights_from_before_clipping_was_recorded_are_predicted_unclipped():
    contract = InputContract.from_metadata({"output_channels": ["x"]}, "old.safetensors")
    assert contract.clip is False


def test_prediction_and_the_transform_agree_bit_for_bit_on_large_fields():
    """Above 512 x 512 pixels both estimate percentiles from the same regular grid."""
    from predict_support import identity_net

    from i2i.prediction import Predictor

    image = np.random.default_rng(1).gamma(2.0, 300.0, (700, 900)).astype(np.float32)
    contract = InputContract(output_channels=["x"])
    predictor = Predictor(
        identity_net(), contract, device="cpu", tiling=Tiling(tile_size=1024, overlap=0.0)
    )
    transform = get_registries().transforms.create(
        {"name": "percentile_normalize", "keys": ["input"]}
    )
    trained_on = transform({"input": torch.from_numpy(image[None].copy())}, None)["input"]
    np.testing.assert_array_equal(_model_input(predictor, image), trained_on.numpy())


def test_an_unnormalised_model_gets_finite_input_and_a_warning_naming_the_file(tmp_path):
    from predict_support import identity_net

    from i2i.image import PixelSizes
    from i2i.io import write_image
    from i2i.normalization import NonFiniteWarning
    from i2i.prediction import Predictor

    field = np.ones((1, 1, 1, 32, 32), dtype=np.float32)
    field[0, 0, 0, 3, 4] = np.nan
    field[0, 0, 0, 9, 9] = np.inf
    path = write_image(tmp_path / "raw.ome.tif", field, pixel_sizes=PixelSizes(y=0.5, x=0.5))
    contract = InputContract(output_channels=["out"], normalization="none")
    predictor = Predictor(identity_net(), contract, tiling=Tiling(tile_size=32, overlap=0.0))
    with pytest.warns(NonFiniteWarning, match=r"raw\.ome\.tif: 2 of 1024 pixel"):
        prediction = predictor.predict(path)
    assert np.isfinite(prediction).all()
    assert prediction[0, 0, 0, 3, 4] == 0.0 and prediction[0, 0, 0, 0, 0] == 1.0
