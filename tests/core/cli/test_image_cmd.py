"""``i2i convert`` (and ``i2i info``): outputs follow the output rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image, write_image

runner = CliRunner()


def source(tmp_path: Path) -> Path:
    return write_image(tmp_path / "in.ome.tif", np.arange(64, dtype=np.uint16).reshape(8, 8))


def test_convert_refuses_a_folder_of_other_files_unless_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "mydata.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    refused = runner.invoke(app, ["convert", str(source(tmp_path)), str(folder)])
    assert refused.exit_code != 0
    assert "mydata.zarr exists and is a folder holding 1 entry (notes.txt)" in str(
        refused.exception
    )
    assert (folder / "notes.txt").read_text() == "keep"
    done = runner.invoke(app, ["convert", str(tmp_path / "in.ome.tif"), str(folder), "--overwrite"])
    assert done.exit_code == 0, done.output
    assert open_image(folder).shape == (1, 1, 1, 8, 8)


def test_convert_replaces_an_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "out.ome.zarr"
    write_image(out, np.zeros((4, 4), np.uint8))
    result = runner.invoke(app, ["convert", str(source(tmp_path)), str(out)])
    assert result.exit_code == 0, result.output
    assert open_image(out).shape == (1, 1, 1, 8, 8)


def test_convert_reports_removed_leftovers(tmp_path: Path) -> None:
    import subprocess
    import sys

    from i2i.atomic import _host

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    leftover = tmp_path / f".out.ome.tif.buffer-0123abcd-p{process.pid}-{_host()}"
    leftover.write_bytes(b"\0" * 2_000_000)
    result = runner.invoke(app, ["convert", str(source(tmp_path)), str(tmp_path / "out.ome.tif")])
    assert result.exit_code == 0, result.output
    assert "Warning: " in result.output and "removed 1 leftover temporary file(s)" in result.output
    assert f"{leftover.name} (2.0 MB)" in result.output and not leftover.exists()


def test_convert_options_are_validated(tmp_path: Path) -> None:
    for option in (["--chunk", "0"], ["--pyramid", "-1"], ["--zarr-format", "1"]):
        result = runner.invoke(app, ["convert", str(source(tmp_path)), "o.ome.zarr", *option])
        assert result.exit_code == 2 and "Invalid value" in result.output, option


def test_info_prints_the_time_step_of_the_bio_formats_time_lapse(shared_data: Path) -> None:
    path = shared_data / "nellie_yeast_mito" / "yeast_3d_mitochondria.ome.tif"
    result = CliRunner().invoke(app, ["info", str(path)])
    assert result.exit_code == 0, result.output
    assert "  time step   4.53557 s" in result.output.splitlines()
