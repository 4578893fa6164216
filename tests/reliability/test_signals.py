"""Stop signals for the whole process group (GNU ``timeout``, ``kill -TERM -- -PGID``, SLURM's
pre-emption) during ``i2i run`` with loader workers: the graceful stop still finishes the step,
writes a checkpoint and exits 130, and ``--resume latest`` continues the run; a worker killed
from outside is a message about the machine, not a bug."""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import pytest
from training_support import i2i_process, wait_for_training, write_endless_recipe

from i2i_plugins.datasets.demo import write_lmc_demo

WORKERS = "data.num_workers=1"


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    return [int(c) for task in tasks.iterdir() for c in (task / "children").read_text().split()]


def test_sigterm_to_the_process_group_stops_gracefully_and_resumes(tmp_path, lmc_demo):
    write_endless_recipe(tmp_path, lmc_demo)
    process = i2i_process("run", "tiny.yaml", WORKERS, cwd=tmp_path, own_group=True)
    run = wait_for_training(process, tmp_path / "runs")
    assert _children(process.pid), "the run has no loader worker to signal"
    os.killpg(process.pid, signal.SIGTERM)  # the main process and its loader worker
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    assert "SIGTERM received; finishing this step and writing a checkpoint" in output
    assert "DataLoader worker" not in output and "is a bug" not in output
    (checkpoint,) = (run / "checkpoints").iterdir()
    stopped_at = json.loads((checkpoint / "state.json").read_text())["step"]
    assert 0 < stopped_at < 100000

    resumed = i2i_process(
        "run", "tiny.yaml", "--resume", "latest", f"train.max_steps={stopped_at + 2}", cwd=tmp_path
    )
    output = resumed.communicate(timeout=120)[0]
    assert resumed.returncode == 0, output
    steps = [int(row["step"]) for row in csv.DictReader((run / "metrics.csv").open())]
    assert steps[-2:] == [stopped_at + 1, stopped_at + 2]


def test_a_worker_killed_from_outside_is_named_not_called_a_bug(tmp_path, lmc_demo):
    write_endless_recipe(tmp_path, lmc_demo)
    process = i2i_process("run", "tiny.yaml", WORKERS, cwd=tmp_path, own_group=True)
    wait_for_training(process, tmp_path / "runs")
    (worker,) = _children(process.pid)
    os.kill(worker, signal.SIGKILL)  # as the out-of-memory killer does
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 1, output
    assert "worker process was ended from outside i2i: DataLoader worker (pid" in output
    assert str(worker) in output.splitlines()[-1]  # PyTorch names it: killed, or exited
    assert "out-of-memory killer" in output and "is a bug" not in output
