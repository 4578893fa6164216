"""RGB and 5-D layers as inputs, and the pixel-size question before a run, in a real viewer.

Real data: the JUMP bright-field planes (over, under, in focus) stacked into one RGB layer, and
the Bio-Formats TZYX yeast file. Models: tiny untrained UNets (bright field -> DNA at 0.598 µm,
phase -> DAPI) and the bundled ISL model; every expected array is the Predictor's own.
"""

from __future__ import annotations

import numpy as np
import pytest
from napari_support import MODEL, dock_widget, predict, use_model_file
from plate_support import save_bright_field_weights, save_phase_weights

from i2i.image import ArrayImage, PixelSizes
from i2i.io import open_image
from i2i.prediction import load_predictor
from i2i_plugins.napari_i2i.job import LUMA_WEIGHTS, model_input

BF_PLANES = ("brightfield_over", "brightfield_under", "brightfield_focus")
BF_NAMES = ["BF_over", "BF_under", "BF_focus"]
"""The bright-field model's input channels (plate_support.save_bright_field_weights)."""
YEAST = "nellie_yeast_mito/yeast_3d_mitochondria.ome.tif"


@pytest.fixture(scope="module")
def bright_field_rgb(shared_data) -> np.ndarray:
    """(Y, X, 3) uint16: the three JUMP bright-field planes as red, green and blue (a crop)."""
    folder = shared_data / "jump_cpg0000_bf"
    planes = [open_image(folder / f"{name}.tiff").read_plane()[:192, :192] for name in BF_PLANES]
    return np.stack(planes, axis=-1)


def expected(weights, array, dims: str, names, size: float | None, **options) -> np.ndarray:
    """The Predictor's (Y, X) output for ``array`` (channels ``names``) with tile size 64."""
    image = ArrayImage(
        array, dims=dims, channel_names=names, pixel_sizes=PixelSizes(y=size, x=size)
    )
    predictor = load_predictor(weights, device="cpu", tile_size=64, **options)
    return predictor.predict(image)[0, 0, 0]


def test_a_far_pixel_size_asks_before_the_run_then_rescales_or_not(
    viewer, qtbot, bright_field_rgb, tmp_path
):
    weights = save_bright_field_weights(tmp_path / "bf.safetensors")  # trained at 0.598 µm
    viewer.add_image(bright_field_rgb, rgb=True, name="BF", scale=(0.3, 0.3), units="um")
    widget = dock_widget(viewer, qtbot)
    use_model_file(widget, qtbot, weights)
    widget.inputs.value = ["BF"]
    widget.tile_size.value = 64
    widget.rescale.value = False
    widget.start()
    assert not widget.running and not widget.pixel_size_prompt.native.isHidden()
    assert "'BF' has 0.3 µm pixels; the model was trained at 0.598 µm" in widget.message.value
    assert [layer.name for layer in viewer.layers] == ["BF"]  # nothing ran

    widget.rescale_and_run.native.click()
    assert widget.rescale.value and widget.running and widget.pixel_size_prompt.native.isHidden()
    qtbot.waitUntil(lambda: not widget.running, timeout=60_000)
    message = widget.message.value
    assert "red, green and blue are the model's 3 channels" in message
    assert "rescaled from 0.3 to the model's 0.598 µm per pixel" in message
    channels = np.moveaxis(bright_field_rgb, -1, 0).astype(np.float32)  # (C, Y, X)
    rescaled = expected(weights, channels, "CYX", BF_NAMES, 0.3, rescale=True)
    np.testing.assert_allclose(viewer.layers["DNA"].data, rescaled, rtol=1e-5, atol=1e-5)

    widget.rescale.value = False
    widget.start()
    widget.run_as_is.native.click()
    qtbot.waitUntil(lambda: not widget.running, timeout=60_000)
    assert "predicted as is, at 0.3 µm per pixel" in widget.message.value
    as_is = expected(weights, channels, "CYX", BF_NAMES, 0.3, rescale=False)
    np.testing.assert_allclose(viewer.layers["DNA [1]"].data, as_is, rtol=1e-5, atol=1e-5)
    assert not np.allclose(as_is, rescaled)


def test_an_rgb_layer_is_one_grey_plane_for_a_one_channel_model(
    viewer, qtbot, bright_field_rgb, tmp_path
):
    weights = save_phase_weights(tmp_path / "phase.safetensors")
    viewer.add_image(bright_field_rgb, rgb=True, name="BF")
    widget = dock_widget(viewer, qtbot)
    use_model_file(widget, qtbot, weights)
    widget.inputs.value = ["BF"]
    widget.tile_size.value = 64
    predict(widget, qtbot)
    assert "RGB layer 'BF' is made one grey plane (Rec. 709 luma)" in widget.message.value
    grey = bright_field_rgb.astype(np.float32) @ np.asarray(LUMA_WEIGHTS, np.float32)
    np.testing.assert_allclose(
        viewer.layers["DAPI"].data,
        expected(weights, grey, "YX", ["PHASE"], None),
        rtol=1e-5,
        atol=1e-5,
    )


def test_a_time_point_of_a_tzyx_layer_is_predicted_at_its_place(viewer, qtbot, shared_data):
    (yeast,) = viewer.open(shared_data / YEAST, plugin="i2i-microscopy")  # (30, 17, 192, 279)
    widget = dock_widget(viewer, qtbot)
    widget.inputs.value = [yeast.name]
    assert not widget.time_point.native.isHidden() and widget.channels.native.isHidden()
    widget.time_point.value, widget.planes.value = "4", "2-14"
    widget.tile_size.value = 128
    predict(widget, qtbot)

    nucleus = viewer.layers["nucleus"]
    assert nucleus.data.shape == (1, 192, 279) and nucleus.metadata["i2i"]["axes"] == [
        "T",
        "Y",
        "X",
    ]
    np.testing.assert_allclose(nucleus.scale, yeast.scale[[0, 2, 3]])
    assert nucleus.translate[0] == pytest.approx(4 * yeast.scale[0])  # shown at time point 4
    planes = np.asarray(yeast.data[4, 2:15])
    sizes = (yeast.scale[2],) * 2
    image = ArrayImage(planes, dims="ZYX", pixel_sizes=PixelSizes(y=sizes[0], x=sizes[1]))
    want = load_predictor(MODEL, device="cpu", tile_size=128).predict(image)[0, 0, 0]
    np.testing.assert_allclose(nucleus.data[0], want, rtol=1e-5, atol=1e-5)


def test_a_tczyx_layer_needs_its_channel_chosen_and_more_axes_are_refused(
    viewer, qtbot, shared_data
):
    yeast = open_image(shared_data / YEAST).read()[:2, 0]  # (T, Z, Y, X), two time points
    tczyx = np.stack([yeast, yeast[::-1]], axis=1)  # (2, 2, 17, 192, 279): two channels
    viewer.add_image(tczyx, name="tczyx")
    widget = dock_widget(viewer, qtbot)
    widget.inputs.value = ["tczyx"]
    assert not widget.channels.native.isHidden()
    widget.planes.value = "0-12"
    widget.start()
    assert not widget.running
    told = "'tczyx' has 2 channels (its C axis) and the model takes 1: choose one in 'channels'"
    assert told in widget.message.value
    widget.time_point.value, widget.channels.value = "1", "1"
    assert widget.loaded is not None
    image = model_input(widget.request(), widget.loaded.contract)
    np.testing.assert_array_equal(image.read()[0, 0], tczyx[1, 1, :13])

    viewer.add_image(np.zeros((2, 1, 1, 2, 8, 8), np.float32), name="six axes")
    widget.inputs.value = ["six axes"]
    widget.start()
    assert "'six axes' has 6 axes: i2i reads layers of 2 (Y, X)" in widget.message.value
