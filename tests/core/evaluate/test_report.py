"""The report at the end of a run, whatever metrics the recipe scores (``i2i run``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

from i2i.cli import app
from i2i_plugins.datasets.demo import write_lmc_demo


def test_a_run_scoring_mae_only_reports_nucleus_and_actin(tmp_path):
    """Actin's metric set (SSIM, PCC) has no MAE: the report shows its MAE, with panels."""
    write_lmc_demo(tmp_path / "lmc", seed=0)
    dataset = {"name": "lmc", "targets": ["Nucleus", "Actin"]}  # Study_3 (actin) validates
    recipe = write_recipe(
        tmp_path, tmp_path / "lmc", model=TINY_UNET, losses=[{"name": "l1"}], dataset=dataset
    )
    overrides = ["evaluate.metrics=[{name: mae}]", "train.best_metric=mae", "train.max_steps=2"]
    result = CliRunner().invoke(app, ["run", str(recipe), *overrides])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    scored = pd.read_csv(run / "evaluation" / "per_image.csv")
    assert set(scored["organelle"]) == {"Nucleus", "Actin"}
    assert list(scored.columns[2:3]) == ["mae"] and "pcc" not in scored.columns
    report = (run / "evaluation" / "report.md").read_text()
    assert "| Actin | 0." in report and "figures/panels_actin.png" in report


def one_image_folders(root, width_tiles: int) -> tuple:
    """One target and its prediction, ``width_tiles`` small fields side by side (a strip)."""
    import numpy as np
    from evaluate_support import blobs, write_tiff

    target = np.concatenate([blobs(i) for i in range(width_tiles)], axis=1)
    noise = np.random.default_rng(0).normal(0, 100, target.shape)
    write_tiff(root / "targets" / "Study_1" / "image_0_Nucleus.tif", target)
    prediction = (target + noise).astype(np.float32)
    write_tiff(root / "pred" / "Study_1" / "image_0_BF_z0_Nucleus.ome.tif", prediction)
    return root / "pred", root / "targets"


def saved_figures(monkeypatch) -> dict:
    """The figures the report saves, by file name, drawn as saved."""
    from matplotlib.figure import Figure

    saved = {}
    save = Figure.savefig

    def recording(self, path, *args, **kwargs):
        save(self, path, *args, **kwargs)
        saved[Path(path).name] = self

    monkeypatch.setattr(Figure, "savefig", recording)
    return saved


@pytest.mark.parametrize("width_tiles", [1, 4])
def test_a_report_of_one_image_has_no_empty_axes_points_not_boxes_and_a_fitted_panel(
    tmp_path, monkeypatch, width_tiles
):
    figures = saved_figures(monkeypatch)
    predictions, targets = one_image_folders(tmp_path, width_tiles)
    out = tmp_path / "eval"
    options = ["--pred", str(predictions), "--target", str(targets), "-o", str(out)]
    result = CliRunner().invoke(app, ["evaluate", *options])
    assert result.exit_code == 0, result.output
    distributions, panel = figures["distributions.png"], figures["panels_nucleus.png"]
    for figure in (distributions, panel):
        for axis in figure.axes:
            assert axis.get_visible() and (axis.lines or axis.images), axis.get_title()
    for axis in distributions.axes:  # the one value as a point with its median, no box
        assert [t.get_text() for t in axis.get_xticklabels()] == ["Nucleus\nn=1"]
        assert not axis.patches and all(len(line.get_xdata()) == 1 for line in axis.lines)
    assert "points and median where n < 5" in distributions.get_suptitle()
    assert panel.get_suptitle() == "Nucleus: the only scored image"
    figure_area = panel.get_figwidth() * panel.get_figheight() * panel.dpi**2
    shown = sum(a.get_window_extent().width * a.get_window_extent().height for a in panel.axes)
    assert shown / figure_area > 0.3  # the images fill the figure, a strip as well as a square
