"""Stop signals for the whole process group (GNU ``timeout``, ``kill -TERM -- -PGID``, SLURM's
pre-emption) during ``i2i run`` with loader workers: the graceful stop still finishes the step,
writes a checkpoint and exits 130, and ``--resume latest`` continues the run; a worker killed
from outside is a message about the machine, not a bug."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from training_support import TINY_UNET, write_recipe

from i2i_plugins.datasets.demo import write_lmc_demo

WORKERS = "data.num_workers=1"


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def _endless_recipe(folder: Path, lmc_demo: Path) -> None:
    write_recipe(
        folder,
        lmc_demo,
        model=TINY_UNET,
        losses=[{"name": "l1"}],
        max_steps=100000,
        checkpoint_every=100000,
        validate_every=100000,
    )


def _i2i_in_own_group(*args: str, cwd: Path) -> subprocess.Popen:
    """``python -m i2i ARGS`` as the leader of a new process group (its pgid is its pid)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "i2i", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for_steps(process: subprocess.Popen, runs: Path) -> Path:
    """The run folder once its metrics.csv holds two training steps (workers are serving)."""
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None and time.monotonic() < deadline
        for metrics in runs.glob("tiny/*/metrics.csv"):
            if len(metrics.read_text().splitlines()) > 2:
                return metrics.parent
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    return [int(c) for task in tasks.iterdir() for c in (task / "children").read_text().split()]


def test_sigterm_to_the_process_group_stops_gracefully_and_resumes(tmp_path, lmc_demo):
    _endless_recipe(tmp_path, lmc_demo)
    process = _i2i_in_own_group("run", "tiny.yaml", WORKERS, cwd=tmp_path)
    run = _wait_for_steps(process, tmp_path / "runs")
    assert _children(process.pid), "the run has no loader worker to signal"
    os.killpg(process.pid, signal.SIGTERM)  # the main process and its loader worker
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    assert "SIGTERM received; finishing this step and writing a checkpoint" in output
    assert "DataLoader worker" not in output and "is a bug" not in output
    (checkpoint,) = (run / "checkpoints").iterdir()
    stopped_at = json.loads((checkpoint / "state.json").read_text())["step"]
    assert 0 < stopped_at < 100000

    resumed = _i2i_in_own_group(
        "run", "tiny.yaml", "--resume", "latest", f"train.max_steps={stopped_at + 2}", cwd=tmp_path
    )
    output = resumed.communicate(timeout=120)[0]
    assert resumed.returncode == 0, output
    steps = [int(row["step"]) for row in csv.DictReader((run / "metrics.csv").open())]
    assert steps[-2:] == [stopped_at + 1, stopped_at + 2]


def test_a_worker_killed_from_outside_is_named_not_called_a_bug(tmp_path, lmc_demo):
    _endless_recipe(tmp_path, lmc_demo)
    process = _i2i_in_own_group("run", "tiny.yaml", WORKERS, cwd=tmp_path)
    _wait_for_steps(process, tmp_path / "runs")
    (worker,) = _children(process.pid)
    os.kill(worker, signal.SIGKILL)  # as the out-of-memory killer does
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 1, output
    assert f"worker process was ended from outside i2i: DataLoader worker (pid {worker})" in (
        output
    )
    assert "out-of-memory killer" in output and "is a bug" not in output
