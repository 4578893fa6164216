"""Validation and checkpoints every fraction of an epoch, and the trackers named by the recipe."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.data import build_dataloaders
from i2i.recipe import RecipeError
from i2i_plugins.datasets.demo import write_lmc_demo

EPOCH_SCHEDULE = {
    "validate_every": None,
    "validate_every_epochs": 0.5,
    "checkpoint_every": None,
    "checkpoint_every_epochs": 1,
}


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def tiny_recipe(folder: Path, data_root: Path, **train) -> Path:
    return write_recipe(folder, data_root, model=TINY_UNET, losses=[{"name": "l1"}], **train)


def only_run(runs: Path) -> Path:
    (run,) = (runs / "tiny").iterdir()
    return run


def step_numbers(paths) -> list[int]:
    return sorted(int(p.stem.removeprefix("step_")) for p in paths)


# --------------------------------------------------------------------------- schedules in epochs
def test_epochs_replace_the_default_steps_and_survive_the_resolved_recipe():
    minimal = {"name": "d", "model": {"in_channels": 1, "out_channels": 1, **TINY_UNET}}
    recipe = i2i.recipe.recipe_from_dict(minimal | {"train": {"validate_every_epochs": 2}})
    assert (recipe.train.validate_every, recipe.train.checkpoint_every) == (None, 1000)
    again = i2i.recipe.recipe_from_dict(recipe.to_dict())  # what a run folder saves
    assert (again.train.validate_every, again.train.validate_every_epochs) == (None, 2)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["train.validate_every_epochs=0.5"],
            r"train.validate_every \(.*tiny.yaml:\d+\): validate_every \(3\) and "
            r"validate_every_epochs \(0.5\) are both set; set one to null: "
            r"train.validate_every_epochs=null keeps every 3 steps",
        ),
        (
            ["train.checkpoint_every=null"],
            r"checkpoint_every and checkpoint_every_epochs are both null; give one",
        ),
    ],
)
def test_conflicting_or_missing_schedules_are_clear_errors(tmp_path, lmc_demo, overrides, message):
    with pytest.raises(RecipeError, match=message):
        i2i.load_recipe(tiny_recipe(tmp_path, lmc_demo), overrides)


def test_the_paper_recipes_validate_every_half_epoch():
    for name in ("lmc_mito", "jump_agp", "lmc_actin"):
        train = i2i.load_recipe(name).train
        assert (train.validate_every, train.validate_every_epochs) == (None, 0.5)
        assert (train.checkpoint_every, train.checkpoint_every_epochs) == (None, 0.5)
    with pytest.raises(RecipeError, match="train.validate_every_epochs=null keeps every 100"):
        i2i.load_recipe("lmc_mito", ["train.validate_every=100"])


def test_validation_and_checkpoints_follow_the_epoch(tmp_path, lmc_demo):
    recipe = tiny_recipe(tmp_path, lmc_demo, max_steps=7, grad_accum=2, **EPOCH_SCHEDULE)
    batches = len(build_dataloaders(i2i.load_recipe(recipe).data).train)
    steps_per_epoch = math.ceil(batches / 2)  # the last, partial accumulation steps too
    assert steps_per_epoch >= 3  # so that half an epoch and an epoch differ
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code == 0, result.output
    assert f"An epoch is {steps_per_epoch} steps" in result.output
    run = only_run(tmp_path / "runs")
    every_half = round(0.5 * steps_per_epoch)
    validated = [s for s in range(1, 8) if s % every_half == 0]
    assert step_numbers((run / "samples").iterdir()) == sorted({*validated, 7})
    checkpointed = [s for s in range(1, 8) if s % steps_per_epoch == 0]
    assert step_numbers((run / "checkpoints").iterdir()) == sorted({*checkpointed, 7})
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == list(range(1, 8))


# --------------------------------------------------------------------------- trackers
def test_no_trackers_writes_only_metrics_csv(tmp_path, lmc_demo):
    recipe = tiny_recipe(tmp_path, lmc_demo, max_steps=2)
    result = CliRunner().invoke(app, ["run", str(recipe), "train.trackers=[]"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path / "runs")
    assert (run / "metrics.csv").is_file() and not (run / "tensorboard").exists()


def test_a_tracker_without_its_package_names_the_package_to_install(tmp_path, lmc_demo):
    from accelerate.tracking import get_available_trackers

    from i2i.training.logbook import TRACKER_PACKAGES

    installed = {str(tracker) for tracker in get_available_trackers()}
    missing = next((name for name in TRACKER_PACKAGES if name not in installed), None)
    if missing is None:
        pytest.skip("every tracker package is installed")
    recipe = tiny_recipe(tmp_path, lmc_demo, trackers=["tensorboard", missing])
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code == 1
    message = str(result.exception)
    assert f"train.trackers: {missing!r} cannot log, the package is not installed" in message
    assert f"pip install {TRACKER_PACKAGES[missing]}" in message
    assert not (tmp_path / "runs").exists()  # nothing was started


def test_an_unknown_tracker_lists_the_known_ones(tmp_path, lmc_demo):
    with pytest.raises(RecipeError, match=r"train.trackers.0.*'tensorboard', 'wandb', 'mlflow'"):
        i2i.load_recipe(tiny_recipe(tmp_path, lmc_demo), ["train.trackers=[neptune]"])
