"""The Predict organelles widget in a real headless viewer, with the bundled ISL model."""

from __future__ import annotations

import numpy as np
import pytest
from napari_support import MODEL, dock_widget, predict, wait_for_model
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i_plugins.napari_i2i.job import CONTRAST_PERCENTILES
from i2i_plugins.napari_i2i.widget import FILE_CHOICE


@pytest.fixture(scope="module")
def expected(isl_crop_files, tmp_path_factory) -> np.ndarray:
    """What ``i2i predict`` writes for the phase crop with 128-pixel tiles, as (Y, X)."""
    out = tmp_path_factory.mktemp("cli") / "nucleus.ome.tiff"
    command = ["predict", str(isl_crop_files["phase"]), "-m", MODEL, "-o", str(out), "--float32"]
    result = CliRunner().invoke(app, [*command, "--tile-size", "128", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return open_image(out).read()[0, 0, 0]


def test_widget_predicts_what_i2i_predict_writes(viewer, qtbot, isl_crop_files, expected):
    (phase,) = viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    _, widget = viewer.window.add_plugin_dock_widget("i2i-microscopy", "Predict organelles")
    assert widget.loading and not widget.busy.native.isHidden()  # loads in a thread worker
    assert widget.message.value == "Loading the model..." and not widget.predict_button.enabled
    wait_for_model(widget, qtbot)
    assert widget.busy.native.isHidden() and widget.predict_button.enabled
    assert widget.model.value.startswith(MODEL)
    assert "nucleus" in widget.card.value and "13 planes" in widget.card.value
    assert widget.tile_size.value == 256  # the recipe's predict section
    widget.tile_size.value = 128
    widget.inputs.value = [phase.name]
    predict(widget, qtbot)

    assert widget.message.value.startswith("Added nucleus"), widget.message.value
    nucleus = viewer.layers["nucleus"]
    assert nucleus.data.shape == (256, 256)
    np.testing.assert_allclose(nucleus.scale, [0.5, 0.5])
    np.testing.assert_allclose(nucleus.translate, phase.translate[1:])
    assert nucleus.blending == "additive"
    assert nucleus.colormap.name == "cyan"
    np.testing.assert_allclose(
        nucleus.contrast_limits, np.percentile(nucleus.data, CONTRAST_PERCENTILES), rtol=1e-6
    )
    assert widget.progress.value == widget.progress.max > 1  # 9 tiles of 128 with overlap
    np.testing.assert_allclose(nucleus.data, expected, rtol=1e-5, atol=1e-5)


def test_single_plane_layers_in_layer_order_are_the_models_z_planes(
    viewer, qtbot, isl_crop_files, expected
):
    stack = open_image(isl_crop_files["phase"]).read()[0, 0]  # (Z, Y, X)
    for z, plane in enumerate(stack):
        viewer.add_image(plane, name=f"z{z:02d}", scale=(0.5, 0.5))
    widget = dock_widget(viewer, qtbot)
    widget.inputs.value = [f"z{z:02d}" for z in reversed(range(13))]  # order of the list counts
    widget.tile_size.value = 128
    predict(widget, qtbot)
    np.testing.assert_allclose(viewer.layers["nucleus"].data, expected, rtol=1e-5, atol=1e-5)


def test_chosen_planes_of_a_longer_stack_feed_the_model(viewer, qtbot, isl_crop_files, expected):
    stack = open_image(isl_crop_files["phase"]).read()[0, 0]
    padded = np.concatenate([stack[:1] * 0, stack, stack[:1] * 0])  # 15 planes, 1-13 real
    viewer.add_image(padded, name="padded", scale=(1.0, 0.5, 0.5))
    widget = dock_widget(viewer, qtbot)
    widget.inputs.value = ["padded"]
    widget.planes.value = "1-13"
    widget.tile_size.value = 128
    predict(widget, qtbot)
    np.testing.assert_allclose(viewer.layers["nucleus"].data, expected, rtol=1e-5, atol=1e-5)


def test_cancel_stops_the_run_and_adds_no_layer(viewer, qtbot, isl_crop_files):
    viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    widget = dock_widget(viewer, qtbot)
    widget.tile_size.value = 32  # about 120 tiles, one per batch
    widget.batch_size.value = 1
    seen: list[tuple[int, int]] = []

    def cancel_on_first_tile(done: int, total: int) -> None:
        seen.append((done, total))
        widget.cancel()

    widget._tile_signal.tile.connect(cancel_on_first_tile)
    predict(widget, qtbot)
    assert widget.message.value == "Cancelled; no layer was added."
    assert [layer.name for layer in viewer.layers] == ["phase"]
    done, total = seen[0]
    assert done < total and widget.progress.value < total
    assert widget.predict_button.enabled and not widget.cancel_button.enabled


def test_too_few_planes_say_how_many_the_model_needs(viewer, qtbot, isl_crop_files):
    stack = open_image(isl_crop_files["phase"]).read()[0, 0]
    viewer.add_image(stack[:5], name="five planes")
    widget = dock_widget(viewer, qtbot)
    widget.inputs.value = ["five planes"]
    widget.start()
    assert not widget.running
    assert "reads 13 z-planes" in widget.message.value
    assert "'five planes'" in widget.message.value and "gives 5" in widget.message.value


def test_a_bad_planes_text_is_explained(viewer, qtbot, isl_crop_files):
    viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    widget = dock_widget(viewer, qtbot)
    widget.planes.value = "0-twelve"
    widget.start()
    assert not widget.running
    assert "'0-twelve' is not a number or range" in widget.message.value


def test_a_model_without_weights_says_how_to_get_them(viewer, qtbot, isl_crop_files):
    from i2i.zoo import get_entry

    viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    widget = dock_widget(viewer, qtbot)
    label = next(c for c in widget.model.choices if c.startswith("lmc-mito "))
    widget.model.value = label
    source = get_entry("lmc-mito").card.source
    assert source in widget.message.value
    assert "mitochondria" in widget.card.value.lower()
    widget.start()
    assert not widget.running and source in widget.message.value


def test_a_weights_file_is_a_model_choice(viewer, qtbot, isl_crop_files, expected):
    from i2i.zoo import resolve_weights

    viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    widget = dock_widget(viewer, qtbot)
    widget.model.value = FILE_CHOICE
    assert not widget.weights.native.isHidden() and widget.loaded is None
    widget.weights.value = resolve_weights(MODEL)
    wait_for_model(widget, qtbot)
    assert widget.loaded is not None
    assert "DAPI_CONFOCAL" in widget.card.value  # no card: the contract's channel names
    widget.tile_size.value = 128
    predict(widget, qtbot)
    np.testing.assert_allclose(viewer.layers["DAPI_CONFOCAL"].data, expected, atol=1e-5)
