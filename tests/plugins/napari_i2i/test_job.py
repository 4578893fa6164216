"""The widget's job without a viewer: plane text, input mapping, pixel-size notes, outputs."""

from __future__ import annotations

import numpy as np
import pytest
from predict_support import identity_net

from i2i.contract import ContractError, InputContract
from i2i.prediction import Predictor
from i2i.tiling import Tiling
from i2i_plugins.napari_i2i.job import (
    FieldTextError,
    InputLayer,
    PredictionRequest,
    model_input,
    organelle_colormaps,
    output_layers,
    parse_planes,
    parse_time_point,
    run_prediction,
)
from i2i_plugins.napari_i2i.pixel_size import pixel_size_mismatch, pixel_size_note


def layer(data, axes, scale=None, name="layer", units=(), rgb=False) -> InputLayer:
    scale = scale or [1.0] * len(axes)
    return InputLayer(name, data, list(axes), scale, [0.0] * len(axes), units, rgb)


@pytest.mark.parametrize(
    ("text", "planes"),
    [
        ("", None),
        ("all", None),
        ("0-3", [0, 1, 2, 3]),
        ("4, 2, 0", [4, 2, 0]),
        ("3-5, 8", [3, 4, 5, 8]),
    ],
)
def test_planes_text(text, planes):
    assert parse_planes(text) == planes


@pytest.mark.parametrize("text", ["0-x", "one", "5-3", "1,,2"])
def test_bad_planes_text_is_an_i2i_error(text):
    with pytest.raises(FieldTextError, match="planes"):
        parse_planes(text)


def test_time_point_text():
    assert parse_time_point(" ") is None and parse_time_point("7") == 7
    with pytest.raises(FieldTextError, match="time point 'last' is not a number"):
        parse_time_point("last")


def test_single_plane_layers_become_named_channels_in_the_given_order():
    contract = InputContract(input_channels=["BF", "PC"], output_channels=["nucleus"])
    a, b = np.zeros((8, 8)), np.ones((8, 8))
    request = PredictionRequest(
        [layer(b, "YX", name="b"), layer(a, "YX", name="a")], None, Tiling()
    )
    image = model_input(request, contract)
    assert image.shape == (1, 2, 1, 8, 8) and image.channel_names == ["BF", "PC"]
    np.testing.assert_array_equal(image.read(channel="BF")[0, 0, 0], b)


def test_a_wrong_number_of_channels_says_how_many():
    contract = InputContract(input_channels=["BF", "PC", "DIC"], output_channels=["nucleus"])
    request = PredictionRequest([layer(np.zeros((8, 8)), "YX", name="only")], None, Tiling())
    with pytest.raises(ContractError, match=r"takes 3 input channel\(s\) \(BF, PC, DIC\).*'only'"):
        model_input(request, contract)


def test_planes_that_do_not_exist_are_named():
    request = PredictionRequest([layer(np.zeros((4, 8, 8)), "ZYX")], [2, 7], Tiling())
    with pytest.raises(
        ContractError, match=r"Planes \[7\] of layer 'layer' do not exist: it has 4"
    ):
        model_input(request, InputContract(output_channels=["nucleus"]))


@pytest.mark.parametrize(
    ("scale", "target", "rescale", "note"),
    [
        (0.5, None, True, None),
        (0.5, 0.52, False, None),
        (1.3, 0.65, True, "rescaled from 1.3 to the model's 0.65 µm per pixel"),
        (1.3, 0.65, False, "predicted as is, at 1.3 µm per pixel (the model's: 0.65)"),
        (1.0, 0.65, True, "pixel size is unknown"),
    ],
)
def test_pixel_size_notes(scale, target, rescale, note):
    told = pixel_size_note(layer(np.zeros((8, 8)), "YX", [scale, scale]), target, rescale)
    assert (told is None) if note is None else (note in str(told))


def test_layer_units_convert_the_scale_to_micrometres():
    in_nm = layer(np.zeros((8, 8)), "YX", [650.0, 650.0], units=["nanometer", "nanometer"])
    assert in_nm.pixel_sizes.x == pytest.approx(0.65)
    one_um = layer(np.zeros((8, 8)), "YX", [1.0, 1.0], units=["micrometer", "micrometer"])
    mismatch = pixel_size_mismatch(one_um, 0.5)  # a scale of 1 in µm is known, not 'unknown'
    assert mismatch is not None and "has 1 µm pixels; the model was trained at 0.5 µm" in (
        mismatch.question()
    )


def test_time_and_z_stay_and_the_outputs_take_the_inputs_place():
    data = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32)  # (T, Z, Y, X)
    source = InputLayer("tz", data, ["T", "Z", "Y", "X"], [5.0, 2.0, 0.5, 0.5], [0, 1, 2, 3])
    predictor = Predictor(identity_net(), InputContract(output_channels=["mito"]), device="cpu")
    request = PredictionRequest([source], None, Tiling(tile_size=16))
    ((result, attributes, kind),) = run_prediction(predictor, request, ["mitochondria"])
    assert kind == "image" and result.shape == data.shape
    assert attributes["scale"] == [5.0, 2.0, 0.5, 0.5] and attributes["translate"] == [0, 1, 2, 3]
    assert attributes["colormap"] == "magenta" and attributes["blending"] == "additive"
    low, high = np.percentile(data[0, 0], (2, 99.8))
    np.testing.assert_allclose(result[0, 0], (data[0, 0] - low) / (high - low), atol=1e-5)


def test_a_flat_output_still_gets_valid_contrast_limits():
    ((_, attributes, _),) = output_layers(
        np.zeros((1, 1, 1, 4, 4), np.float32), layer(np.zeros((4, 4)), "YX"), ["x"]
    )
    low, high = attributes["contrast_limits"]
    assert high > low


def test_unknown_organelles_get_distinct_colormaps():
    assert organelle_colormaps(["nucleus", "golgi", "peroxisome"]) == ["cyan", "green", "magenta"]


def test_an_rgb_layer_for_a_two_channel_model_is_explained():
    contract = InputContract(input_channels=["BF", "PC"], output_channels=["nucleus"])
    rgb = layer(np.zeros((8, 8, 3), np.uint8), "YX", name="photo", rgb=True)
    with pytest.raises(ContractError, match="takes 2 input channel.*RGB layer 'photo' gives 3"):
        model_input(PredictionRequest([rgb], None, Tiling()), contract)
