"""``benchmarks/bench_export.py``: the command docs/sharing.md gives, in ``--smoke`` mode, exports
both models to ONNX, times the three variants side by side and reports them; the ONNX graph
computes what the PyTorch forward computes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnx", reason="needs the bioimageio extra")
pytest.importorskip("onnxruntime", reason="needs the bioimageio extra")

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_export.py"
PAGE = ROOT / "docs" / "sharing.md"
VARIANTS = ["onnxruntime", "i2i fp32", "i2i bf16"]


def documented_command() -> list[str]:
    """The benchmark command of docs/sharing.md's "Speed of the exported formats" section."""
    section = PAGE.read_text().split("## Speed of the exported formats", 1)[1].split("\n## ")[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/sharing.md lost the benchmark's command block"
    command = shlex.split(block.group(1).strip())
    assert command[:2] == ["python", "benchmarks/bench_export.py"], command
    return command[1:]


def test_the_documented_command_runs_in_smoke_mode_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    arguments = documented_command()[1:]  # then the test's own: tiny, quick, one thread
    smoke = ["--smoke", "--repeats", "2", "--warmup", "1", "--threads", "1", "--json", str(out)]
    command = [sys.executable, str(SCRIPT), *arguments, *smoke]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())

    assert results["kind"] == "smoke"
    env = results["env"]
    assert env["date"] and env["torch"] and env["onnxruntime"] and env["threads"] == 1
    assert len(env["load_average_1_5_15"]) == 3
    assert set(results["cases"]) == {"vqgan", "unet"}
    for name, row in results["cases"].items():
        assert list(row["variants"]) == VARIANTS, name
        assert row["input_shape"][1] == 13 and row["parameters"] > 0, name
        for variant, figures in row["variants"].items():
            assert len(figures["seconds"]) == 2 and figures["throughput"] > 0, (name, variant)
            assert figures["min_s"] <= figures["median_s"] <= figures["max_s"]
            assert f"{name:<6} {variant:<12}" in done.stdout
        assert row["variants"]["i2i fp32"]["ratio_to_fp32"] == 1
        # the exported graph (quantizer included) computes the PyTorch forward
        assert row["variants"]["onnxruntime"]["max_abs_diff_to_fp32"] < 1e-4, name
    unet, vqgan = results["cases"]["unet"], results["cases"]["vqgan"]
    assert unet["unit"] == "images/s" and vqgan["unit"] == "tiles/s"
    # the UNet is traced on a tile and run on the whole image: only dynamic axes allow it
    assert unet["onnx_traced_on"] == [64, 64] and unet["input_shape"][2:] == [128, 128]
    assert unet["onnx_dynamic_axes_needed"] and not vqgan["onnx_dynamic_axes_needed"]
    assert unet["variants"]["i2i bf16"]["max_abs_diff_to_fp32"] > 0  # bf16 really ran


def test_repeats_below_one_are_refused(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--smoke", "--repeats", "0"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--repeats, --warmup and --threads must be at least 1" in done.stderr
