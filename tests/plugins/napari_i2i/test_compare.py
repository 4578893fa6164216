"""The Compare widget shows the numbers 'i2i evaluate' writes for the same two images."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i_plugins.napari_i2i.widget import CompareWidget

PLUGIN = "i2i-microscopy"


@pytest.fixture
def prediction_and_stain(isl_crop_files, tmp_path):
    """The bundled model's DAPI prediction of the crop and the real DAPI, as files of one name."""
    (tmp_path / "pred").mkdir()
    (tmp_path / "target").mkdir()
    prediction = tmp_path / "pred" / "field.ome.tiff"
    command = ["predict", str(isl_crop_files["phase"]), "-m", "isl-phase-dapi-unet"]
    result = CliRunner().invoke(app, [*command, "-o", str(prediction), "--float32"])
    assert result.exit_code == 0, result.output
    target = shutil.copy(isl_crop_files["dapi"], tmp_path / "target" / "field.ome.tiff")
    return prediction, target


def compare(widget: CompareWidget, qtbot) -> None:
    widget.compare()
    assert widget.running and not widget.busy.native.isHidden()  # in a thread worker
    qtbot.waitUntil(lambda: not widget.running, timeout=60_000)
    assert widget.busy.native.isHidden()


def test_compare_shows_what_i2i_evaluate_computes(viewer, qtbot, prediction_and_stain, tmp_path):
    prediction, target = prediction_and_stain
    viewer.open(prediction, plugin=PLUGIN)
    viewer.open(target, plugin=PLUGIN)
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Compare with a real stain")
    assert isinstance(widget, CompareWidget)
    widget.prediction.value = "DAPI_CONFOCAL"
    widget.target.value = "DAPI"
    compare(widget, qtbot)
    scores = widget.result
    assert scores is not None

    out = tmp_path / "eval"
    command = ["evaluate", "--pred", str(prediction.parent), "--target", str(target.parent)]
    result = CliRunner().invoke(app, [*command, "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    (row,) = pd.read_csv(out / "per_image.csv").to_dict("records")
    assert {"ssim", "pcc", "mae"} <= set(scores.values)
    for metric, value in scores.values.items():
        assert value == pytest.approx(row[metric], rel=1e-6, abs=1e-9), metric
    assert f"pcc: {row['pcc']:.4f} (higher is better)" in widget.scores.value
    assert f"mae: {row['mae']:.4f} (lower is better)" in widget.scores.value


def test_layers_of_different_sizes_are_explained(viewer, qtbot):
    viewer.add_image(np.zeros((32, 32), np.float32), name="small")
    viewer.add_image(np.zeros((64, 64), np.float32), name="large")
    widget = CompareWidget(viewer)
    widget.prediction.value, widget.target.value = "small", "large"
    compare(widget, qtbot)
    assert widget.result is None
    assert "'small' is (32, 32) but 'large' is (64, 64)" in widget.message.value
