"""``i2i predict`` progress when stderr is not a terminal (CI, SLURM logs): plain lines at most
every 30 s, naming the file (i/N), tiles done/total, the rate and the time left."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image, write_image
from i2i.prediction import progress

LINE = re.compile(
    r"^file (\d)/2 (\S+): tiles (\d+)/(\d+) \(\d+%\)( \| [\d.]+ tiles/s \| ETA \S+)?$"
)


def _isl_stacks(shared_data: Path, folder: Path) -> list[Path]:
    """Two 96 x 96 crops of the ISL field's 13 phase-contrast planes, as z-stacks."""
    folder.mkdir()
    planes = []
    for z in range(13):
        (file,) = (shared_data / "isl_condition_b").glob(f"*z_depth-{z},channel-PHASE*")
        with open_image(file) as image:
            planes.append(image.read(t=0, y=slice(0, 192), x=slice(0, 96))[0, 0, 0])
    stack = np.stack(planes)
    return [
        write_image(folder / f"{name}.ome.tif", stack[None, None, :, rows], ["PHASE_CONTRAST"])
        for name, rows in (("top", slice(0, 96)), ("bottom", slice(96, 192)))
    ]


def _predict(folder: Path, out: Path):
    args = ["predict", str(folder), "-m", "isl-phase-dapi-unet", "-o", str(out)]
    return CliRunner().invoke(app, [*args, "--tile-size", "32", "--batch-size", "2"])


def _progress_lines(output: str) -> list[re.Match[str]]:
    return [m for line in output.splitlines() if (m := LINE.match(line))]


def test_progress_goes_as_plain_lines_naming_file_tiles_rate_and_eta(
    shared_data, tmp_path, monkeypatch
):
    monkeypatch.setattr(progress, "LINE_INTERVAL_SECONDS", 0.0)  # a line per batch
    inputs = _isl_stacks(shared_data, tmp_path / "in")
    result = _predict(tmp_path / "in", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output  # no bar frames
    lines = _progress_lines(result.output)
    names = sorted(p.name for p in inputs)
    assert {(m[1], m[2]) for m in lines} == {("1", names[0]), ("2", names[1])}
    assert all(m[4] == lines[0][4] for m in lines)  # the same tiles per file
    assert lines[-1][3] == lines[-1][4]  # the last line: every tile done
    assert any(m[5] for m in lines)  # the rate and ETA once measured


def test_lines_come_at_most_every_interval_over_the_whole_batch(shared_data, tmp_path):
    _isl_stacks(shared_data, tmp_path / "in")
    result = _predict(tmp_path / "in", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(_progress_lines(result.output)) == 1  # two quick files: within 30 s


def test_progress_lines_report_rate_and_time_left(monkeypatch):
    clock = iter([0.0, 10.0, 20.0, 50.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    stream = io.StringIO()
    advance = progress.ProgressLines(stream).start("file 1/1 a.tif", total=40)
    for _ in range(4):
        advance(10)
    assert stream.getvalue().splitlines() == [
        "file 1/1 a.tif: tiles 10/40 (25%)",  # at the first batch
        "file 1/1 a.tif: tiles 40/40 (100%) | 0.60 tiles/s | ETA 0s",  # 30 s later
    ]


@pytest.mark.parametrize("seconds, shown", [(42, "42s"), (372, "6m12s"), (3720, "1h02m")])
def test_durations_read_as_hours_minutes_seconds(seconds, shown):
    assert progress.duration(seconds) == shown
