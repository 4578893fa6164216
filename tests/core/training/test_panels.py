"""Sample panels (``samples/step_N.png``) as ``i2i run`` writes them: labelled columns, the
step and validation metric, an overlay, a full-resolution crop, and the same image in
TensorBoard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

from i2i.cli import app
from i2i.contract import InputContract
from i2i.training import panels
from i2i_plugins.datasets.demo import write_lmc_demo


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def figure_texts(figure) -> list[str]:
    texts = [figure.get_suptitle()]
    for axis in figure.axes:
        texts += [axis.get_title(), axis.get_ylabel()]
    return [t for t in texts if t]


def test_run_writes_labelled_panels_with_step_metric_overlay_and_crop(
    tmp_path, lmc_demo, monkeypatch
):
    drawn = []
    draw = panels.panel_figure

    def recording(*args, **kwargs):
        drawn.append(draw(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(panels, "panel_figure", recording)
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    result = CliRunner().invoke(app, ["run", str(recipe), "train.max_steps=3"])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    png = Image.open(run / "samples" / "step_00000003.png")
    assert png.mode == "RGB"  # the overlay is in colour
    (figure,) = drawn
    texts = "\n".join(figure_texts(figure))
    assert texts.startswith("step 3: validation pcc ")
    for label in ("input: ", "(plane 1 of 1)", "target", "prediction", "overlay", "magenta"):
        assert label in texts, label
    assert "crop at full resolution\n(32×32 px)" in texts
    assert "Nucleus" in texts and "Mitochondria" in texts  # one row per output channel
    columns = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert len(columns) == 5
    assert png.size == tuple(round(s * figure.dpi) for s in figure.get_size_inches())


def test_the_panel_names_the_middle_input_plane_of_a_z_stack_and_crops_at_full_resolution():
    contract = InputContract(
        input_channels=["PHASE"], z_planes=list(range(13)), output_channels=["DAPI"]
    )
    names = panels.input_plane_names(contract, 13)
    assert names[6] == "PHASE z6"
    inputs = torch.rand(1, 13, 512, 512)
    target = torch.zeros(1, 1, 512, 512)
    target[0, 0, 400:440, 100:140] = 1.0  # the only bright spot: the crop goes there
    caption = panels.PanelCaption(
        step=40, input_names=names, output_names=["DAPI"], metrics={"val/pcc": 0.61}
    )
    figure = panels.panel_figure(inputs, target, target, caption)
    texts = "\n".join(figure_texts(figure))
    assert "input: PHASE z6\n(plane 7 of 13)" in texts and "step 40: validation pcc 0.61" in texts
    crop = figure.axes[4].get_images()[0].get_array()
    assert crop.shape[:2] == (panels.CELL_PIXELS, panels.CELL_PIXELS)  # 1 image px : 1 px
    assert np.asarray(crop)[..., 1].max() == 255  # the bright spot is inside the crop


def test_tensorboard_holds_the_panel_image(tmp_path, lmc_demo):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    recipe = write_recipe(
        tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}], trackers=["tensorboard"]
    )
    result = CliRunner().invoke(app, ["run", str(recipe), "train.max_steps=3"])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    (events,) = (run / "tensorboard").rglob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events.parent), size_guidance={"images": 0})
    accumulator.Reload()
    assert panels.TENSORBOARD_TAG in accumulator.Tags()["images"]
    (logged,) = accumulator.Images(panels.TENSORBOARD_TAG)
    png = Image.open(run / "samples" / "step_00000003.png")
    assert logged.step == 3 and (logged.width, logged.height) == png.size
