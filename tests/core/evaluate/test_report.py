"""The report at the end of a run, whatever metrics the recipe scores (``i2i run``)."""

from __future__ import annotations

import pandas as pd
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
