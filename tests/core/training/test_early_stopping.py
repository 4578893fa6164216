"""``train.early_stopping``: the rule, and a run that stops, says why and exports its best."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.model import load_translator
from i2i.recipe.errors import RecipeError
from i2i.recipe.sections import EarlyStoppingConfig
from i2i.training.checkpoint import Progress
from i2i.training.early_stopping import EarlyStopping
from i2i_plugins.datasets.demo import write_lmc_demo


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def stops(values: list[float], patience: int, min_delta: float, higher: bool) -> list[bool]:
    rule = EarlyStopping(EarlyStoppingConfig(patience=patience, min_delta=min_delta), "pcc", higher)
    progress = Progress()
    return [rule.should_stop({"val/pcc": v}, progress) for v in values]


def test_patience_counts_validations_in_a_row_without_a_gain_above_min_delta():
    assert stops([0.1, 0.3, 0.29, 0.31, 0.2], 2, 0.0, True) == [False] * 4 + [False]
    assert stops([0.1, 0.3, 0.29, 0.28], 2, 0.0, True) == [False, False, False, True]
    # gains of 0.005 are not above min_delta 0.01 one by one, but add up against the reference
    assert stops([0.3, 0.305, 0.31, 0.315], 3, 0.01, True) == [False, False, False, False]
    assert stops([0.3, 0.305, 0.309, 0.3095], 3, 0.01, True) == [False, False, False, True]


def test_lower_is_better_and_nan_never_improves():
    assert stops([1.0, 0.5, 0.6, 0.7], 2, 0.0, False) == [False, False, False, True]
    assert stops([math.nan, math.nan], 2, 0.0, True) == [False, True]


def test_early_stopping_needs_the_best_metric(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    with pytest.raises(RecipeError, match="early_stopping watches the validation value"):
        i2i.load_recipe(recipe, ["train.best_metric=null", "train.early_stopping={patience: 2}"])


def test_a_run_stops_when_validation_stalls_and_exports_its_best(tmp_path, lmc_demo):
    """min_delta 1: no validation after the first counts as a gain; patience 2 of every 3
    steps ends the run at step 9 of 40."""
    recipe = write_recipe(
        tmp_path,
        lmc_demo,
        model=TINY_UNET,
        losses=[{"name": "l1"}],
        max_steps=40,
        early_stopping={"patience": 2, "min_delta": 1.0},
    )
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    assert "Early stopping: after 2 validation(s) in a row" in result.output
    assert "Stopping at step 9: early stopping: val/pcc did not rise by more than 1" in (
        result.output
    )
    assert "Run finished after 9 steps" in result.output
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert rows[-1]["step"] == "9"
    values = {int(r["step"]): float(r["val/pcc"]) for r in rows if r["val/pcc"]}
    assert sorted(values) == [3, 6, 9]
    best_step = max(values, key=values.get)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 9 and not summary["interrupted"]
    assert summary["stop_reason"].startswith("early stopping: val/pcc did not rise")
    assert summary["best_step"] == best_step
    _, metadata = load_translator(run / "best.safetensors")
    assert metadata["step"] == best_step
    assert (run / "evaluation" / "report.md").is_file()  # the final evaluation of the best


def test_the_stale_count_survives_a_resume(tmp_path, lmc_demo):
    recipe = write_recipe(
        tmp_path,
        lmc_demo,
        model=TINY_UNET,
        losses=[{"name": "l1"}],
        max_steps=6,
        early_stopping={"patience": 2, "min_delta": 1.0},
    )
    first = i2i.train(recipe)  # validations at 3 (reference) and 6 (stale 1): max_steps first
    assert first.steps == 6 and first.stop_reason == "reached train.max_steps (6)"
    resumed = i2i.train(recipe, ["train.max_steps=40"], resume=True)
    assert resumed.steps == 9 and resumed.stop_reason.startswith("early stopping")
