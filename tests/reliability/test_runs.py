"""Reliability of run folders (issue 19): runs started together never share a folder, and a
run that fails before it trains leaves no folder behind."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

from i2i.cli import app
from i2i.training.run_folder import new_run_folder
from i2i_plugins.datasets.demo import write_lmc_demo

FROZEN_STAMP = "20261202-120000"

FROZEN_CLOCK = f"""
import runpy, sys, time

_strftime = time.strftime


def _frozen(fmt, *args):
    # every run folder of this test is named in the same second
    return {FROZEN_STAMP!r} if fmt == "%Y%m%d-%H%M%S" and not args else _strftime(fmt, *args)


time.strftime = _frozen
sys.argv = ["i2i", *sys.argv[1:]]
runpy.run_module("i2i", run_name="__main__")
"""
"""Runs ``python -m i2i ...`` with a clock whose run-folder stamp never moves."""


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def _frozen_clock_i2i(wrapper: Path, *args: str, cwd: Path) -> subprocess.Popen:
    """``python -m i2i ARGS`` (as ``training_support.i2i_process``) under the frozen clock."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, str(wrapper), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _reserve(root: Path, barrier: multiprocessing.synchronize.Barrier, queue) -> None:
    barrier.wait()
    queue.put(str(new_run_folder(root, "tiny").path))


def test_run_folders_reserved_at_the_same_moment_are_all_different(tmp_path, monkeypatch):
    monkeypatch.setattr("time.strftime", lambda *_: FROZEN_STAMP)
    context = multiprocessing.get_context("fork")
    count = 8
    barrier, queue = context.Barrier(count), context.Queue()
    processes = [
        context.Process(target=_reserve, args=(tmp_path, barrier, queue)) for _ in range(count)
    ]
    for process in processes:
        process.start()
    paths = [Path(queue.get(timeout=60)) for _ in range(count)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert len(set(paths)) == count, sorted(paths)
    assert all(path.is_dir() for path in paths)
    assert sorted(p.name for p in (tmp_path / "tiny").iterdir()) == sorted(
        [FROZEN_STAMP] + [f"{FROZEN_STAMP}-{n}" for n in range(2, count + 1)]
    )


def test_runs_started_together_each_keep_their_own_folder_weights_and_metrics(tmp_path, lmc_demo):
    """Three `i2i run` with the same --runs-root in the same second (a job array)."""
    write_recipe(
        tmp_path,
        lmc_demo,
        model=TINY_UNET,
        losses=[{"name": "l1"}],
        max_steps=3,
        validate_every=3,
        checkpoint_every=3,
    )
    wrapper = tmp_path / "frozen_clock_i2i.py"
    wrapper.write_text(FROZEN_CLOCK)
    runs = tmp_path / "shared_runs"
    processes = [
        _frozen_clock_i2i(
            wrapper,
            "run",
            "tiny.yaml",
            "--runs-root",
            str(runs),
            f"train.seed={seed}",
            cwd=tmp_path,
        )
        for seed in range(3)
    ]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    folders = sorted((runs / "tiny").iterdir())
    assert [f.name for f in folders] == [FROZEN_STAMP, f"{FROZEN_STAMP}-2", f"{FROZEN_STAMP}-3"]
    printed = sorted(
        line.removeprefix("Run folder: ").strip()
        for output in outputs
        for line in output.splitlines()
        if line.startswith("Run folder: ")
    )
    assert printed == [str(f) for f in folders]
    seeds = set()
    for folder in folders:
        assert (folder / "last.safetensors").is_file() and (folder / "best.safetensors").is_file()
        steps = [line.split(",")[0] for line in (folder / "metrics.csv").read_text().splitlines()]
        assert steps == ["step", "1", "2", "3"], folder
        seeds.add(yaml.safe_load((folder / "recipe.yaml").read_text())["train"]["seed"])
    assert seeds == {0, 1, 2}  # each folder holds the recipe of its own run


def test_a_run_whose_dataset_is_missing_leaves_no_run_folder(tmp_path):
    recipe = write_recipe(tmp_path, tmp_path / "nowhere", model=TINY_UNET, losses=[{"name": "l1"}])
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code != 0
    assert "nowhere' does not exist" in str(result.exception)
    assert not (tmp_path / "runs" / "tiny").exists()


def test_a_failed_start_removes_only_its_own_folder(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    earlier = tmp_path / "runs" / "tiny" / "20261201-090000"
    earlier.mkdir(parents=True)
    (earlier / "metrics.csv").write_text("step\n1\n")
    for bad in (f"data.dataset.root={tmp_path / 'nowhere'}", "data.batch_size=100"):
        result = CliRunner().invoke(app, ["run", str(recipe), bad])
        assert result.exit_code != 0, bad
        assert [p.name for p in (tmp_path / "runs" / "tiny").iterdir()] == [earlier.name], bad
    assert (earlier / "metrics.csv").read_text() == "step\n1\n"


def test_the_latest_run_follows_the_suffix_in_number_order(tmp_path, monkeypatch):
    from i2i.training.run_folder import latest_run_folder

    monkeypatch.setattr("time.strftime", lambda *_: FROZEN_STAMP)
    for _ in range(10):
        folder = new_run_folder(tmp_path, "tiny").create()
        (folder.checkpoints / "step_00000001").mkdir()
    latest = latest_run_folder(tmp_path, "tiny")
    assert latest is not None and latest.path.name == f"{FROZEN_STAMP}-10"
