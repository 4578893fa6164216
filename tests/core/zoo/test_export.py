"""``i2i zoo export`` (the ``i2i`` format): the card carries the run's validation metrics at the
exported step, and every written file has the usual permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from zoo_support import save_tiny_weights

from i2i.cli import main

METRICS_CSV = (
    "step,train/loss,val/pcc,val/mae\n"
    "3,0.9,0.41,0.20\n"
    "6,0.7,0.62,0.15\n"  # the step of the saved weights (save_tiny_weights writes step 7)
    "7,0.6,0.58,0.17\n"
    "9,0.5,,\n"
)


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "runs" / "tiny_unet" / "20261124-101500"
    folder.mkdir(parents=True)
    save_tiny_weights(folder / "best.safetensors")
    (folder / "best.safetensors").chmod(0o600)  # as safetensors writes it
    (folder / "metrics.csv").write_text(METRICS_CSV)
    return folder


def run(*args: str) -> int:
    """Run the CLI in this process; its exit code."""
    try:
        main(list(args))
    except SystemExit as exit_info:
        return int(exit_info.code or 0)
    return 0


def export(run_folder: Path, out: Path, *extra: str) -> None:
    assert run("zoo", "export", str(run_folder), "--name", "lab-dapi", "-o", str(out), *extra) == 0


def test_card_metrics_are_the_runs_validation_values_at_the_exported_step(run_folder, tmp_path):
    export(run_folder, tmp_path / "out")
    card = yaml.safe_load((tmp_path / "out" / "lab-dapi.yaml").read_text())
    values = {m["name"]: m["value"] for m in card["metrics"]}
    assert values == {"pcc": 0.58, "mae": 0.17}  # step 7, not the last or the best row
    assert all("step 7" in m["reference"] for m in card["metrics"])
    assert all("20261124-101500" in m["dataset"] for m in card["metrics"])


def test_weights_without_a_run_log_export_without_metrics(run_folder, tmp_path):
    (run_folder / "metrics.csv").unlink()
    export(run_folder, tmp_path / "out")
    assert yaml.safe_load((tmp_path / "out" / "lab-dapi.yaml").read_text())["metrics"] == []


def test_exported_files_have_the_usual_permissions(run_folder, tmp_path):
    previous = os.umask(0o022)
    try:
        export(run_folder, tmp_path / "out")
    finally:
        os.umask(previous)
    for path in (tmp_path / "out").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_unknown_format_names_the_known_ones(run_folder, tmp_path, capsys):
    code = run(
        "zoo", "export", str(run_folder), "--name", "x", "-o", str(tmp_path), "--format", "onxx"
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Unknown export format 'onxx'. Did you mean 'onnx'?" in err
    assert "Formats: " in err and "i2i" in err
