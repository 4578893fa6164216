"""``benchmarks/gpu_suite.py --smoke`` runs every section on the CPU with tiny sizes, so the
suite a GPU session runs in its few minutes cannot rot unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).parents[2] / "benchmarks" / "gpu_suite.py"
SINGLE_PROCESS = "env,train,profile,optimizer,warmup,predict,data,max_batch,compile"


def _smoke(tmp_path: Path, sections: str) -> dict:
    out = tmp_path / "suite.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny steps: threads only wait on each other
    command = [sys.executable, str(SUITE), "--smoke", "--json", str(out), "--sections", sections]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def test_every_single_process_section_runs_and_reports(tmp_path: Path) -> None:
    results = _smoke(tmp_path, SINGLE_PROCESS)
    assert results["kind"] == "smoke"
    assert results["env"]["torch"] and results["env"]["date"]

    train = {**results["train"], **results["compile"]}
    assert set(train) == {"fp32", "bf16", "bf16_cl", "bf16_cl_compile"}
    for row in train.values():
        assert row["samples_per_s"] > 0 and row["flops"] > 0 and row["batch"] == 2
    assert train["bf16_cl_compile"]["compile_s"] > 0 and train["fp32"]["compile_s"] is None
    assert train["bf16_cl_compile"]["flops"] == train["bf16_cl"]["flops"]  # not recounted

    profile = results["profile"]
    shares = [v for k, v in profile.items() if k.endswith(" %") and not isinstance(v, dict)]
    assert sum(shares) == pytest.approx(100) and profile["convolutions %"] > 0
    assert profile["top_ops %"] and profile["op_seconds_per_step"] > 0

    optimizer = results["optimizer"]
    assert optimizer["fused_s"] > 0 and optimizer["default_s"] > 0 and optimizer["speed_up"] > 0

    warmup = results["warmup"]  # the skipped critic costs no FLOPs
    assert warmup["critic_skipped"]["flops"] < warmup["critic_runs"]["flops"]

    assert results["max_batch"]["largest_batch"] == 4  # the smoke cap: 2, then 4
    for size, row in results["predict"].items():
        assert row["tiles"] > 0 and row["seconds"] > 0 and row["bare_forward_s"] > 0, size
    assert set(results["predict"]) == {"64x64", "96x96"}

    data = results["data"]
    assert set(data) == {"ome.tiff workers=1", "ome.zarr workers=1"}
    for row in data.values():
        assert row["samples_per_s"] > 0 and isinstance(row["keeps_up"], bool)


@pytest.mark.slow  # two spawned processes import torch and build the recipe: ~35 s here
def test_the_ddp_section_scales_over_two_processes(tmp_path: Path) -> None:
    ddp = _smoke(tmp_path, "train,ddp")["ddp"]
    assert ddp["processes"] == 2 and ddp["samples_per_s"] > 0 and ddp["scaling"] > 0


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    command = [sys.executable, str(SUITE), "--smoke", "--sections", "train,gpus"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "unknown sections ['gpus']" in done.stderr
