"""Training through `i2i run` and `i2i.train`: run folder, resume after kill -9, two processes."""

from __future__ import annotations

import csv
import json
import signal
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from training_support import (
    JUMP_DATASET,
    TINY_UNET,
    TINY_VQGAN,
    i2i_process,
    wait_for_training,
    write_endless_recipe,
    write_recipe,
)
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.model import load_translator
from i2i_plugins.datasets.demo import write_jump_demo, write_lmc_demo

VQGAN_LOSSES = [{"name": "l1"}, {"name": "codebook"}, {"name": "gan", "disc_start": 2}]


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def only_run(runs: Path) -> Path:
    (run,) = (runs / "tiny").iterdir()
    return run


def test_run_writes_the_run_folder(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_VQGAN, losses=VQGAN_LOSSES)
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path / "runs")
    for name in (
        "recipe.yaml",
        "split.json",
        "metrics.csv",
        "best.safetensors",
        "last.safetensors",
    ):
        assert (run / name).is_file(), name
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "step_00000003.png",
        "step_00000006.png",
    ]
    assert [p.name for p in sorted((run / "checkpoints").iterdir())] == [
        "step_00000002",
        "step_00000004",
        "step_00000006",
    ]
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))
    report = (run / "evaluation" / "report.md").read_text()
    assert "PCC" in report and (run / "evaluation" / "per_image.csv").is_file()
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert [r["step"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[2]["val/pcc"] and rows[5]["val/mae"]
    assert float(rows[3]["gan/d_weight"]) > 0  # the adversarial loss is on after disc_start
    # the saved recipe alone reproduces the run, and the weights rebuild their model
    again = i2i.load_recipe(run / "recipe.yaml")
    assert again.to_dict() == i2i.load_recipe(recipe).to_dict()
    model, metadata = load_translator(run / "best.safetensors")
    assert metadata["input_contract"]["output_channels"] == ["Nucleus", "Mitochondria"]
    assert model(torch.zeros(1, 1, 32, 32))[0].shape == (1, 2, 32, 32)


def test_python_api_trains_with_overrides(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    result = i2i.train(recipe, ["train.max_steps=2", "train.validate_every=2"])
    assert result.steps == 2 and not result.stopped_early
    assert result.best_step == 2


def _final_weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(run / "last.safetensors")


def test_resume_after_kill_gives_the_same_weights(tmp_path, lmc_demo):
    """kill -9 mid-run, resume from the last checkpoint: identical final weights."""
    straight = tmp_path / "straight"
    killed = tmp_path / "killed"
    for folder in (straight, killed):
        folder.mkdir()
        write_recipe(folder, lmc_demo, model=TINY_VQGAN, losses=VQGAN_LOSSES, max_steps=8)
    assert i2i_process("run", "tiny.yaml", cwd=straight).wait(timeout=300) == 0

    process = i2i_process("run", "tiny.yaml", cwd=killed)
    checkpoints = killed / "runs" / "tiny"
    deadline = time.time() + 300
    while not list(checkpoints.glob("*/checkpoints/step_00000004")):
        assert process.poll() is None, process.stdout.read()
        assert time.time() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    run = only_run(killed / "runs")
    assert not (run / "last.safetensors").exists()

    resumed = i2i_process("run", "tiny.yaml", "--resume", "latest", cwd=killed)
    output = resumed.communicate(timeout=300)[0]
    assert resumed.returncode == 0, output
    expected, actual = _final_weights(only_run(straight / "runs")), _final_weights(run)
    assert expected.keys() == actual.keys()
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=0, atol=0, msg=name)
    steps = [r["step"] for r in csv.DictReader((run / "metrics.csv").open())]
    assert steps == [str(s) for s in range(1, 9)]


def test_sigterm_checkpoints_and_exits_130(tmp_path, lmc_demo):
    write_endless_recipe(tmp_path, lmc_demo)
    process = i2i_process("run", "tiny.yaml", cwd=tmp_path)
    wait_for_training(process, tmp_path / "runs")
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    run = only_run(tmp_path / "runs")
    (checkpoint,) = (run / "checkpoints").iterdir()
    state = json.loads((checkpoint / "state.json").read_text())
    assert 0 < state["step"] < 100000
    assert "--resume" in output


def test_resume_without_earlier_run_is_a_clear_error(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    result = CliRunner().invoke(app, ["run", str(recipe), "--resume", "latest"])
    assert result.exit_code != 0
    assert "no earlier run of 'tiny'" in str(result.exception)


@pytest.fixture(scope="module")
def jump_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jump_demo")
    write_jump_demo(root, seed=0)
    return root


def _two_process_runs(tmp_path: Path, jump_demo: Path) -> tuple[Path, Path]:
    """Every JUMP field has every target, so per-process mean losses average exactly."""
    folders = {}
    # 6 training fields: one global batch of 6 per epoch, so no epoch ends inside a batch
    for name, batch in (("single", 6), ("double", 3)):
        folder = tmp_path / name
        folder.mkdir()
        write_recipe(
            folder,
            jump_demo,
            model=TINY_UNET,
            losses=[{"name": "l1"}],
            max_steps=4,
            batch_size=batch,
            random_augmentation=False,
            validate_every=4,
            dataset=JUMP_DATASET,
            group_by="well",
        )
        folders[name] = folder
    assert i2i_process("run", "tiny.yaml", "--device", "cpu", cwd=folders["single"]).wait(300) == 0
    double = i2i_process(
        "run", "tiny.yaml", "--device", "cpu", "--num-processes", "2", cwd=folders["double"]
    )
    output = double.communicate(timeout=300)[0]
    assert double.returncode == 0, output
    return only_run(folders["single"] / "runs"), only_run(folders["double"] / "runs")


def test_two_processes_match_one_process_with_the_same_global_batch(tmp_path, jump_demo):
    single, double = _two_process_runs(tmp_path, jump_demo)
    assert len(json.loads((single / "split.json").read_text())["splits"]["train"]) == 6
    rows_single = list(csv.DictReader((single / "metrics.csv").open()))
    rows_double = list(csv.DictReader((double / "metrics.csv").open()))
    assert [r["step"] for r in rows_double] == [r["step"] for r in rows_single]
    for a, b in zip(rows_single, rows_double, strict=True):
        assert float(b["train/loss"]) == pytest.approx(float(a["train/loss"]), rel=1e-4)
    expected, actual = _final_weights(single), _final_weights(double)
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=1e-4, atol=1e-5)
