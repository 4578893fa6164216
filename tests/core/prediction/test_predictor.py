"""Predictor: contract, normalisation, z/t handling, pixel-size resampling, outputs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from predict_support import NpyPlugin, identity_net, local_net, save_npy

import i2i
from i2i.image import ArrayImage, ImageError, PixelSizes
from i2i.prediction import ContractError, InputContract, PixelSizeWarning, Predictor
from i2i.prediction.loading import load_predictor
from i2i.prediction.output import to_dtype
from i2i.prediction.resample import ResampledReader, ResamplingWriter, taps
from i2i.tiling import Tiling
from i2i.zoo.loading import ModelNotFoundError


def contract(**fields) -> InputContract:
    return InputContract(**{"output_channels": ["nucleus"], **fields})


def predictor(net=None, **options) -> Predictor:
    fields = options.pop("contract", {})
    tiling = {key: options.pop(key) for key in list(options) if key in Tiling.model_fields}
    tiling = Tiling(**{"tile_size": 32, **tiling})
    return Predictor(net or local_net(), contract(**fields), device="cpu", tiling=tiling, **options)


def normalised(plane: np.ndarray) -> np.ndarray:
    low, high = np.percentile(plane, (2, 99.8))
    return (plane - low) / (high - low)


# -- resampling ---------------------------------------------------------------------------------


def test_taps_are_normalised_and_identity_at_equal_sizes():
    indices, weights = taps(7, 7)
    np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(indices[np.arange(7), weights.argmax(axis=1)], np.arange(7))
    assert np.allclose(weights.max(axis=1), 1)


@pytest.mark.parametrize(("source", "target"), [((40, 50), (70, 90)), ((80, 90), (37, 41))])
def test_resampling_matches_torch_bilinear_with_antialias(source, target):
    image = np.random.default_rng(0).random((2, *source), dtype=np.float32)
    reader = ResampledReader(lambda y, x: image[:, y, x], source, target)
    expected = F.interpolate(
        torch.from_numpy(image)[None], size=target, mode="bilinear", antialias=True
    )[0].numpy()
    np.testing.assert_allclose(
        reader(slice(0, target[0]), slice(0, target[1])), expected, atol=1e-5
    )


def test_resampling_by_regions_and_streamed_rows_equals_whole_image():
    rng = np.random.default_rng(1)
    image = rng.random((1, 61, 47), dtype=np.float32)
    reader = ResampledReader(lambda y, x: image[:, y, x], (61, 47), (30, 100))
    whole = reader(slice(0, 30), slice(0, 100))
    np.testing.assert_allclose(
        reader(slice(7, 19), slice(33, 71)), whole[:, 7:19, 33:71], atol=1e-6
    )
    back = np.full((1, 61, 47), np.nan, np.float32)
    writer = ResamplingWriter(
        lambda rows, block: back.__setitem__((slice(None), rows), block), (61, 47), (30, 100)
    )
    for start, stop in [(0, 4), (4, 5), (5, 17), (17, 30)]:
        writer(slice(start, stop), whole[:, start:stop])
    expected = ResampledReader(lambda y, x: whole[:, y, x], (30, 100), (61, 47))(
        slice(0, 61), slice(0, 47)
    )
    np.testing.assert_allclose(back, expected, atol=1e-6)


# -- contract, channels, planes -----------------------------------------------------------------


def test_2d_single_channel_array_gives_channels_y_x():
    image = np.random.default_rng(0).random((45, 70)).astype(np.float32)
    result = predictor(identity_net()).predict(image)
    assert result.shape == (1, 45, 70) and result.dtype == np.float32
    np.testing.assert_allclose(result[0], normalised(image), atol=1e-4)


def test_multi_z_each_plane_is_predicted_on_its_own():
    image = np.random.default_rng(0).random((1, 3, 33, 40)).astype(np.float32)  # (C, Z, Y, X)
    result = predictor(identity_net()).predict(image)
    assert result.shape == (1, 3, 33, 40)
    for z in range(3):
        np.testing.assert_allclose(result[0, z], normalised(image[0, z]), atol=1e-4)


def test_z_planes_as_channels_and_middle_plane():
    image = np.random.default_rng(0).random((1, 2, 5, 20, 24)).astype(np.float32)  # T C Z Y X
    stacked = predictor(
        identity_net(6), contract={"output_channels": list("abcdef"), "z_planes": [0, 2, 4]}
    ).predict(image)
    assert stacked.shape == (1, 6, 1, 20, 24)
    np.testing.assert_allclose(stacked[0, 1, 0], normalised(image[0, 0, 2]), atol=1e-4)
    np.testing.assert_allclose(stacked[0, 3, 0], normalised(image[0, 1, 0]), atol=1e-4)
    middle = predictor(identity_net(1), contract={"input_channels": [1], "z_planes": "middle"})
    result = middle.predict(image)
    np.testing.assert_allclose(result[0, 0, 0], normalised(image[0, 1, 2]), atol=1e-4)


def test_channels_by_name_and_several_time_points():
    data = np.random.default_rng(0).random((2, 3, 1, 16, 16)).astype(np.float32)
    image = ArrayImage(data, channel_names=["DAPI", "BF", "PC"])
    result = predictor(identity_net(), contract={"input_channels": ["bf"]}).predict(image)
    assert result.shape == (2, 1, 1, 16, 16)
    np.testing.assert_allclose(result[1, 0, 0], normalised(data[1, 1, 0]), atol=1e-4)


def test_contract_mismatches_are_clear_errors():
    image = np.zeros((3, 16, 16), np.float32)
    with pytest.raises(ContractError, match="takes 1 input channel"):
        predictor().predict(image)
    with pytest.raises(ContractError, match="z-planes"):
        predictor(contract={"z_planes": [0, 3]}).predict(image[:1][None])
    with pytest.raises(ContractError, match="predicts 2 channel"):
        predictor(local_net(1, 2)).predict(image[0])
    with pytest.raises(ContractError, match="percentiles"):
        InputContract.from_metadata({"output_channels": ["a"], "percentiles": [99, 2]}, "m.st")


def test_constant_image_gives_finite_values():
    result = predictor(identity_net()).predict(np.full((20, 20), 7.0, np.float32))
    assert np.isfinite(result).all()


# -- pixel size ---------------------------------------------------------------------------------


def test_pixel_size_difference_resamples_there_and_back():
    yy, xx = np.mgrid[:64, :80]
    smooth = np.sin(yy / 7) + np.cos(xx / 9)
    image = ArrayImage(smooth.astype(np.float32), pixel_sizes=PixelSizes(None, 0.25, 0.25))
    calls = []
    net = identity_net()
    net.register_forward_hook(lambda module, args, output: calls.append(args[0].shape))
    result = predictor(net, contract={"pixel_size_um": 0.5}).predict(image)
    assert result.shape == (1, 64, 80)
    assert max(shape[-1] for shape in calls) <= 32 + 16
    np.testing.assert_allclose(result[0, 4:-4, 4:-4], normalised(smooth)[4:-4, 4:-4], atol=0.05)


def test_unknown_pixel_size_warns_once_and_override_is_used():
    p = predictor(identity_net(), contract={"pixel_size_um": 0.5})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p.predict(np.zeros((8, 8), np.float32))
        p.predict(np.zeros((8, 8), np.float32))
    assert [w.category for w in caught] == [PixelSizeWarning]
    shapes = []
    net = identity_net()
    net.register_forward_hook(lambda module, args, output: shapes.append(args[0].shape[-1]))
    predictor(net, pixel_size=1.0, contract={"pixel_size_um": 0.5}, tile_size=256).predict(
        np.zeros((10, 10), np.float32)
    )
    assert shapes == [20 + 2 * 32]  # twice as many pixels, plus the reflected margins


# -- options ------------------------------------------------------------------------------------


def test_bf16_channels_last_and_tta_stay_close_to_float32():
    image = np.random.default_rng(0).random((40, 40)).astype(np.float32)
    reference = predictor().predict(image)
    fast = predictor(bf16=True, channels_last=True, batch_size=8).predict(image)
    np.testing.assert_allclose(fast, reference, atol=0.05 * np.abs(reference).max())
    averaged = predictor(tta=True).predict(image)
    assert averaged.shape == reference.shape and not np.allclose(averaged, reference)


@pytest.mark.slow
def test_compiled_model_matches():
    image = np.random.default_rng(0).random((40, 40)).astype(np.float32)
    np.testing.assert_allclose(
        predictor(compile=True).predict(image), predictor().predict(image), atol=1e-4
    )


# -- files --------------------------------------------------------------------------------------


def test_to_dtype_maps_normalised_units_into_integer_range():
    block = np.array([-0.5, 0.0, 1.0, 2.5], np.float32)
    np.testing.assert_array_equal(to_dtype(block, np.dtype(np.uint8)), [0, 0, 128, 255])
    assert to_dtype(block, np.dtype(np.float32)).dtype == np.float32


def test_prediction_streams_to_a_file_with_metadata(tmp_path, i2i_host):
    i2i_host.add_plugin(NpyPlugin())
    data = (np.random.default_rng(0).random((1, 1, 2, 50, 60)) * 1000).astype(np.uint16)
    source = save_npy(tmp_path / "in.npy", data, ["BF"], PixelSizes(2.0, 0.5, 0.5))
    out = predictor(identity_net()).predict(source, out=tmp_path / "out.npy")
    stored = np.load(out)
    assert stored.shape == (1, 1, 2, 50, 60) and stored.dtype == np.uint16
    expected = to_dtype(normalised(data[0, 0, 1].astype(np.float64)), np.dtype(np.uint16))
    assert np.abs(stored[0, 0, 1].astype(int) - expected).max() <= 2
    meta = json.loads((tmp_path / "out.json").read_text())
    assert meta == {"channel_names": ["nucleus"], "pixel_sizes": {"z": 2.0, "y": 0.5, "x": 0.5}}
    floats = predictor(identity_net(), output_dtype="float32").predict(source, tmp_path / "f.npy")
    assert np.load(floats).dtype == np.float32


def test_failed_prediction_leaves_no_output(tmp_path, i2i_host):
    i2i_host.add_plugin(NpyPlugin())
    source = save_npy(tmp_path / "in.npy", np.zeros((1, 2, 1, 8, 8), np.float32))
    with pytest.raises(ContractError):
        predictor(local_net(2, 2)).predict(source, out=tmp_path / "out.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "in.npy"]


def test_unknown_output_suffix_names_the_known_ones(tmp_path, i2i_host):
    i2i_host.add_plugin(NpyPlugin())
    with pytest.raises(ImageError, match=r"\.npy"):
        predictor().predict(np.zeros((8, 8), np.float32), out=tmp_path / "out.png")


# -- Python API and loading ---------------------------------------------------------------------


def test_i2i_predict_is_callable_with_a_predictor():
    image = np.random.default_rng(0).random((24, 24)).astype(np.float32)
    p = predictor(identity_net())
    np.testing.assert_allclose(i2i.predict(image, model=p), p.predict(image))


def test_load_predictor_explains_missing_models(tmp_path):
    with pytest.raises(ModelNotFoundError, match="zoo"):
        load_predictor("lmc-mitochondria")
    with pytest.raises(ModelNotFoundError, match="no such file"):
        load_predictor(tmp_path / "missing.safetensors")
    (tmp_path / "model.pt").write_bytes(b"")
    with pytest.raises(ModelNotFoundError, match="never pickles"):
        load_predictor(tmp_path / "model.pt")
    with pytest.raises(ModelNotFoundError, match="best.safetensors"):
        load_predictor(tmp_path)
