"""Outputs and the command-line boundary against an adversarial user (issue 19, items 2, 3, 5,
8, 14).

Each case runs what a user runs (``i2i convert`` / ``i2i predict`` in a subprocess, or through
typer's CliRunner) and must end in one clear message naming the path and the cause, never in
"this is a bug", a lost folder of the user's files, a skipped broken output, or hidden
temporaries left on disk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import zarr
from predict_support import NpyPlugin, save_npy, save_weights_with_predict_section
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import PixelSizes
from i2i.io import open_image, write_image

runner = CliRunner()
TESTS = Path(__file__).resolve().parents[1]
BUG = "this is a bug"


def run_i2i(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """``python -m i2i ARGS`` in ``cwd``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "i2i", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,
    )


def image(folder: Path, name: str = "in.ome.tif", size: int = 32) -> Path:
    data = np.arange(size * size, dtype=np.uint16).reshape(1, 1, 1, size, size)
    return write_image(folder / name, data, pixel_sizes=PixelSizes(None, 0.5, 0.5))


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- item 2: never replace what is not an earlier output -------------------------------------


def test_convert_never_replaces_a_folder_of_the_users_files(tmp_path):
    source = image(tmp_path)
    folder = tmp_path / "mydata.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("three months of notes")
    refused = run_i2i("convert", str(source), "mydata.zarr", cwd=tmp_path)
    assert refused.returncode == 1 and BUG not in refused.stderr.lower()
    assert "mydata.zarr exists and is a folder holding 1 entry (notes.txt)" in refused.stderr
    assert "--overwrite" in refused.stderr
    assert (folder / "notes.txt").read_text() == "three months of notes"
    assert hidden(tmp_path) == []
    replaced = run_i2i("convert", str(source), "mydata.zarr", "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert open_image(folder).shape == (1, 1, 1, 32, 32)


@pytest.mark.parametrize("name", ["out.ome.tif", "out.ome.zarr"])
def test_an_earlier_image_output_is_replaced_and_a_foreign_file_is_not(tmp_path, name):
    source = image(tmp_path)
    out = tmp_path / name
    write_image(out, np.zeros((1, 1, 1, 8, 8), np.uint8))  # an earlier output
    result = runner.invoke(app, ["convert", str(source), str(out)])
    assert result.exit_code == 0, result.output
    assert open_image(out).shape == (1, 1, 1, 32, 32)
    other = tmp_path / f"other{name[3:]}"
    if name.endswith(".zarr"):
        other.mkdir()
        (other / "table.csv").write_text("a,b\n")
    else:
        other.write_text("not an image")
    refused = runner.invoke(app, ["convert", str(source), str(other)])
    assert refused.exit_code != 0 and "exists and is a" in str(refused.exception)
    assert other.exists() and not open_image_works(other)


def open_image_works(path: Path) -> bool:
    try:
        open_image(path)
    except Exception:
        return False
    return True


def test_predict_refuses_to_replace_a_file_that_is_not_an_image(tmp_path):
    source = image(tmp_path)
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", {})
    out = tmp_path / "pred.ome.tif"
    out.write_text("my results table")
    args = ["predict", "-m", str(weights), str(source), "-o", str(out), "--device", "cpu"]
    refused = run_i2i(*args, cwd=tmp_path)
    assert refused.returncode == 1 and BUG not in refused.stderr.lower()
    assert "pred.ome.tif exists and is a file of 16 bytes" in refused.stderr
    assert out.read_text() == "my results table"
    replaced = run_i2i(*args, "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert open_image(out).channel_names == ["dapi"]


# -- item 3: resume skips only complete outputs -----------------------------------------------


def test_batch_resume_redoes_empty_and_truncated_outputs_and_skips_complete_ones(tmp_path):
    (tmp_path / "in").mkdir()
    for i in range(4):
        image(tmp_path / "in", f"field_{i}.ome.tif")
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", {})
    args = ["predict", "-m", str(weights), "in", "-o", "out", "--format", ".ome.tif"]
    first = run_i2i(*args, "--device", "cpu", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    complete = (out / "field_0.ome.tif").read_bytes()
    (out / "field_1.ome.tif").write_bytes(b"")  # a `touch`
    (out / "field_2.ome.tif").write_bytes(complete[: len(complete) // 2])  # a cut copy
    again = run_i2i(*args, "--device", "cpu", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "field_1.ome.tif exists but is incomplete (an empty file (0 bytes))" in again.stderr
    assert "field_2.ome.tif exists but is incomplete (unreadable:" in again.stderr
    assert "2 prediction(s) written, 2 of them incomplete before, 2 skipped" in again.stderr
    for i in range(4):
        assert open_image(out / f"field_{i}.ome.tif").read().shape == (1, 1, 1, 32, 32)
    assert (out / "field_0.ome.tif").read_bytes() == complete


# -- item 5: leftovers of killed writes -------------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
import numpy as np
from i2i.io import get_writer
for name in sys.argv[1:]:
    sink = get_writer(name).open(name, shape=(1, 1, 1, 64, 64), dtype=np.uint16)
    sink.__enter__()
    sink.write_region(np.ones((1, 1, 1, 8, 64), np.uint16), y=slice(0, 8), x=slice(0, 64))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_next_write_removes_what_a_killed_one_left_and_says_so(tmp_path):
    source = image(tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, "out.ome.tif", "out.ome.zarr"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = hidden(tmp_path)
    assert [n.split("-")[0] for n in left] == [".out.ome.tif.buffer", ".out.ome.zarr.tmp"]
    for name in ("out.ome.tif", "out.ome.zarr"):
        result = run_i2i("convert", str(source), name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"{name}: removed" in result.stderr and "leftover temporary" in result.stderr
    assert hidden(tmp_path) == []


LIVE_WRITER = """
import sys, time
import numpy as np
from i2i.io import get_writer
sink = get_writer("out.ome.tif").open("out.ome.tif", shape=(1, 1, 1, 16, 16), dtype=np.uint16)
sink.__enter__()
print("ready", flush=True)
time.sleep(120)
"""


def test_a_running_writers_temporaries_are_left_alone(tmp_path):
    source = image(tmp_path)
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE_WRITER], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert live.stdout is not None and live.stdout.readline().strip() == "ready"
        before = hidden(tmp_path)
        assert before
        result = run_i2i("convert", str(source), "out.ome.tif", cwd=tmp_path)
        assert result.returncode == 0 and "removed" not in result.stderr
        assert hidden(tmp_path) == before
    finally:
        live.kill()
        live.wait()


SIGTERMED_CONVERT = """
import os, signal, sys
import i2i.image
from i2i.cli import main

read = i2i.image.Image.read
def read_then_sigterm(self, **region):
    block = read(self, **region)
    os.kill(os.getpid(), signal.SIGTERM)  # a cluster's pre-emption, mid-write
    return block
i2i.image.Image.read = read_then_sigterm
main(sys.argv[1:])
"""


@pytest.mark.parametrize("name", ["out.ome.tif", "out.ome.zarr"])
def test_sigterm_removes_the_partial_output_and_reports_it(tmp_path, name):
    source = image(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", SIGTERMED_CONVERT, "convert", str(source), name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 143, result.stderr
    assert "SIGTERM received; stopping" in result.stderr
    assert f"removed the partial output {tmp_path / ('.' + name)}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ome.tif"]


# -- item 8: a recipe's writer, and writer options on the command line -------------------------


def test_weights_whose_recipe_sets_the_writer_predict_and_options_override_it(tmp_path):
    source = image(tmp_path)
    v3 = {"writer": {"name": "ome_zarr", "zarr_format": 3, "chunk": 16}}
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", v3)
    base = ["predict", "-m", str(weights), str(source), "--device", "cpu", "-o"]
    zarr_out = run_i2i(*base, "v3.ome.zarr", cwd=tmp_path)
    assert zarr_out.returncode == 0 and BUG not in zarr_out.stderr.lower(), zarr_out.stderr
    group = zarr.open_group(str(tmp_path / "v3.ome.zarr"), mode="r")
    assert group.metadata.zarr_format == 3 and group["0"].chunks[-1] == 16
    tiff_out = run_i2i(*base, "pred.ome.tif", cwd=tmp_path)  # the recipe's writer is Zarr's
    assert tiff_out.returncode == 0, tiff_out.stderr
    assert (tmp_path / "pred.ome.tif").is_file() and open_image(tmp_path / "pred.ome.tif")
    v2 = run_i2i(*base, "v2.ome.zarr", "--zarr-format", "2", cwd=tmp_path)
    assert v2.returncode == 0, v2.stderr
    group = zarr.open_group(str(tmp_path / "v2.ome.zarr"), mode="r")
    assert group.metadata.zarr_format == 2 and group["0"].chunks[-1] == 16  # recipe's chunk kept
    bad = run_i2i(*base, "x.ome.tif", "--zarr-format", "3", cwd=tmp_path)
    assert bad.returncode == 1 and "'ome_tiff' writer does not accept" in bad.stderr
    assert "Its parameters: chunk, compression" in bad.stderr


def test_predictor_predict_takes_a_writer_spec(tmp_path):
    import i2i

    source = image(tmp_path)
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", {})
    predictor = i2i.prediction.load_predictor(weights, device="cpu")
    out = predictor.predict(
        source, out=tmp_path / "p.ome.zarr", writer={"name": "ome_zarr", "zarr_format": 3}
    )
    assert zarr.open_group(str(out), mode="r").metadata.zarr_format == 3
    again = i2i.predict(
        source, model=weights, out=tmp_path / "q.ome.zarr", device="cpu", writer={"zarr_format": 3}
    )
    assert zarr.open_group(str(again), mode="r").metadata.zarr_format == 3


# -- item 14: clear messages at the boundary ----------------------------------------------------


@pytest.mark.parametrize("command", ["convert", "predict"])
def test_an_output_under_a_file_is_a_clear_error(tmp_path, command):
    source = image(tmp_path)
    (tmp_path / "results").write_text("a file, not a folder")
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", {})
    out = "results/pred.ome.zarr"
    args = (
        ["convert", str(source), out]
        if command == "convert"
        else ["predict", "-m", str(weights), str(source), "-o", out, "--device", "cpu"]
    )
    result = run_i2i(*args, cwd=tmp_path)
    assert result.returncode == 1 and BUG not in result.stderr.lower(), result.stderr
    assert f"cannot write {out}: {tmp_path / 'results'} is a file, not a folder" in result.stderr


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """``folder`` made unwritable: read-only permissions, or for root the immutable flag."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield
        folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("root, and this file system has no immutable flag (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("command", ["convert", "predict"])
def test_an_unwritable_folder_is_a_clear_error(tmp_path, command):
    source = image(tmp_path)
    weights = save_weights_with_predict_section(tmp_path / "w.safetensors", {})
    (tmp_path / "locked").mkdir()
    out = "locked/pred.ome.tif"
    args = (
        ["convert", str(source), out]
        if command == "convert"
        else ["predict", "-m", str(weights), str(source), "-o", out, "--device", "cpu"]
    )
    with unwritable(tmp_path / "locked"):
        result = run_i2i(*args, cwd=tmp_path)
    assert result.returncode == 1 and BUG not in result.stderr.lower(), result.stderr
    assert f"cannot write {out}: permission denied" in result.stderr
    assert list((tmp_path / "locked").iterdir()) == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--batch-size", "0"], "Invalid value for '--batch-size'"),
        (["--tile-size", "8"], "Invalid value for '--tile-size'"),
        (["--overlap", "1.5"], "1.5 is not in [0, 1)"),
        (["--pixel-size", "-1"], "-1.0 is not a size in µm greater than 0"),
        (["--pixel-size", "0"], "0.0 is not a size in µm greater than 0"),
        (["--zarr-format", "4"], "Invalid value for '--zarr-format'"),
        (["--writer-option", "chunk"], "give KEY=VALUE"),
        (["--device", "tpu"], "--device 'tpu': not a device name"),
    ],
)
def test_bad_prediction_options_are_refused_before_a_model_loads(tmp_path, option, message):
    source = image(tmp_path)
    args = ["predict", "-m", str(tmp_path / "missing.safetensors"), str(source), "-o", "p.ome.zarr"]
    result = runner.invoke(app, [*args, *option])
    assert result.exit_code != 0
    text = " ".join((result.output + str(result.exception)).split()).replace("│", "")
    assert message in " ".join(text.split()), text
    assert "missing.safetensors" not in text  # refused before the model is looked for


class _FullDiskWriter:
    """A third-party writer on a full disk: its sink's writes fail with ENOSPC."""

    suffixes = (".full",)

    def open(self, path, *, shape, dtype, channel_names=None, pixel_sizes=None):
        return _FullDiskSink(Path(path))


class _FullDiskSink:
    def __init__(self, path: Path):
        self.temporary = path.with_name(f".{path.name}.partial")

    def __enter__(self):
        return self

    def write_region(self, array, **region):
        raise OSError(28, "No space left on device", str(self.temporary))

    def __exit__(self, *exc):
        return None


def test_a_full_disk_in_any_writer_names_the_output(tmp_path, i2i_host):
    import i2i
    from i2i.registry import Params

    class FullDiskPlugin:
        @i2i.hookimpl
        def i2i_register(self, registries):
            registries.writers.add(
                "full", params=Params, factory=lambda p: _FullDiskWriter(), description="Test."
            )

    i2i_host.add_plugin(NpyPlugin())
    i2i_host.add_plugin(FullDiskPlugin())
    source = save_npy(tmp_path / "in.npy", np.ones((1, 1, 1, 8, 8), np.float32))
    result = runner.invoke(app, ["convert", str(source), str(tmp_path / "out.full")])
    assert result.exit_code != 0
    message = str(result.exception)
    assert message.startswith(f"no space left on device while writing {tmp_path / 'out.full'}")
    assert BUG not in message.lower()
