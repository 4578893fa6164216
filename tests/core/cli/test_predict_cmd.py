"""``i2i predict`` and batch prediction across processes, resumable (``i2i predict-lmc``: in
tests/plugins/datasets/test_commands.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import predict_support
import pytest
from predict_support import save_npy
from typer.testing import CliRunner

from i2i.cli import app
from i2i.naming import image_stem
from i2i.prediction.batch import BatchError, folder_jobs

TESTS = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def fake_models(monkeypatch, i2i_host):
    """``--model NAME`` gives an identity model predicting channel NAME; npy reader/writer."""
    return predict_support.fake_models(monkeypatch, i2i_host)


def inputs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    return [
        save_npy(folder / f"field_{i}.npy", rng.random((1, 1, 1, 20, 30)).astype(np.float32))
        for i in range(count)
    ]


def test_predict_one_file(tmp_path, fake_models):
    (source,) = inputs(tmp_path / "in", 1)
    out = tmp_path / "pred.npy"
    result = runner.invoke(
        app,
        ["predict", "-m", "mito", str(source), "-o", str(out), "--tile-size", "16", "--float32"],
    )
    assert result.exit_code == 0, result.output
    assert "1 prediction(s) written" in result.output
    assert fake_models[0][0] == "mito" and fake_models[0][1]["tile_size"] == 16


def test_predict_folder_writes_one_output_per_input_and_resumes(tmp_path, fake_models):
    sources = inputs(tmp_path / "in", 3)
    out = tmp_path / "out"
    args = ["predict", "-m", "dna", str(tmp_path / "in" / "*.npy"), "-o", str(out)]
    result = runner.invoke(app, [*args, "--format", ".npy", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.npy")) == [s.name for s in sources]
    stored = np.load(out / "field_0.npy")
    assert stored.shape == (1, 1, 1, 20, 30) and stored.dtype == np.float32
    (out / "field_1.npy").unlink()
    again = runner.invoke(app, [*args, "--format", "npy"])
    assert "1 prediction(s) written, 2 skipped" in again.output


def test_a_folder_input_takes_only_the_files_a_reader_reads(tmp_path, fake_models):
    inputs(tmp_path / "in", 2)
    (tmp_path / "in" / "README.md").write_text("notes")
    out = tmp_path / "out"
    args = ["predict", "-m", "dna", str(tmp_path / "in"), "-o", str(out), "--format", ".npy"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.npy")) == ["field_0.npy", "field_1.npy"]


def test_predict_usage_errors(tmp_path, fake_models):
    sources = inputs(tmp_path / "in", 2)
    (tmp_path / "file.npy").write_bytes(b"")
    result = runner.invoke(
        app, ["predict", "-m", "x", *map(str, sources), "-o", str(tmp_path / "file.npy")]
    )
    assert result.exit_code != 0 and "output folder" in str(result.exception)
    missing = runner.invoke(app, ["predict", "-m", "x", str(tmp_path / "nope.tif"), "-o", "o"])
    assert "no such file" in str(missing.exception)


def test_output_names_strip_image_suffixes_and_clashes_fail(tmp_path):
    assert image_stem(Path("a/b.ome.tif")) == "b" and image_stem(Path("c.png")) == "c"
    with pytest.raises(BatchError, match="both be written"):
        folder_jobs([Path("x/a.tif"), Path("y/a.ome.tif")], tmp_path, ".ome.zarr")


WORKER = """
import json, os, sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from predict_support import NpyPlugin, identity_net
from i2i import plugins
from i2i.testing import isolated_host
from i2i.prediction import InputContract, Predictor
from i2i.prediction.batch import folder_jobs, run_jobs
from i2i.tiling import Tiling

plugins._default_host = isolated_host(NpyPlugin())
root = Path(sys.argv[1])
jobs = folder_jobs(sorted((root / "in").glob("*.npy")), root / "out", ".npy")
make = lambda key, device: Predictor(identity_net(), InputContract(output_channels=["x"]),
                                     device=device, tiling=Tiling(tile_size=16))
result = run_jobs(jobs, make)
rank = os.environ["RANK"]
(root / f"rank{{rank}}.json").write_text(json.dumps(
    {{"predicted": [p.name for p in result.predicted], "skipped": [p.name for p in result.skipped]}}
))
"""


def torchrun(script: Path, root: Path) -> None:
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [str(torchrun), "--standalone", "--nproc_per_node", "2", str(script), str(root)]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_two_processes_split_the_inputs_and_a_rerun_skips_complete_outputs(tmp_path):
    sources = inputs(tmp_path / "in", 6)
    (tmp_path / "out").mkdir()
    # completed by an earlier run (a complete output: batch resume verifies that it opens)
    save_npy(tmp_path / "out" / "field_4.npy", np.zeros((1, 1, 1, 20, 30), np.float32))
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER.format(tests=str(TESTS))))
    torchrun(script, tmp_path)
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    predicted = [set(r["predicted"]) for r in ranks]
    assert predicted[0] and predicted[1] and not predicted[0] & predicted[1]
    assert predicted[0] | predicted[1] == {s.name for s in sources} - {"field_4.npy"}
    assert [n for r in ranks for n in r["skipped"]] == ["field_4.npy"]
    torchrun(script, tmp_path)
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert not any(r["predicted"] for r in ranks)
    assert sorted(n for r in ranks for n in r["skipped"]) == sorted(s.name for s in sources)


def test_writer_options_reach_the_predictor_as_a_spec(tmp_path, fake_models):
    (source,) = inputs(tmp_path / "in", 1)
    args = ["predict", "-m", "x", str(source), "-o", str(tmp_path / "p.npy")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "writer" not in fake_models[0][1]
    bad = runner.invoke(app, [*args, "--writer-option", "chunk=2"])
    assert "writer does not accept {'chunk': 2}" in str(bad.exception)
    assert len(fake_models) == 1  # refused before a model loads
    named = runner.invoke(app, [*args, "--writer", "npy", "--overwrite"])
    assert named.exit_code == 0, named.output
    assert fake_models[1][1]["writer"] == {"name": "npy"}


def test_resume_reports_incomplete_outputs_and_overwrite_redoes_all(tmp_path, fake_models):
    inputs(tmp_path / "in", 2)
    args = ["predict", "-m", "x", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    args += ["--format", ".npy"]
    assert runner.invoke(app, args).exit_code == 0
    (tmp_path / "out" / "field_0.npy").write_bytes(b"")
    again = runner.invoke(app, args)
    assert "field_0.npy exists but is incomplete (an empty file (0 bytes))" in again.output
    assert "field_1.npy (exists and is complete, skipped)" in again.output
    assert "1 prediction(s) written, 1 of them incomplete before, 1 skipped" in again.output
    redo = runner.invoke(app, [*args, "--overwrite"])
    assert "2 prediction(s) written, 0 skipped" in redo.output


def test_a_folder_that_a_reader_reads_as_one_image_is_one_input(tmp_path, shared_data):
    """An OME-Zarr image without a ``.zarr`` suffix (a plate field, ``plate.zarr/B/03/0``) is
    one input, not a folder of inputs (before: 'No input images found')."""
    from i2i.io import open_image, write_image

    planes = []
    for z in range(13):  # the bundled model's input: the ISL field's 13 phase planes
        (file,) = (shared_data / "isl_condition_b").glob(f"*z_depth-{z},channel-PHASE*")
        with open_image(file) as image:
            planes.append(image.read(t=0, y=slice(0, 32), x=slice(0, 48))[0, 0, 0])
    written = write_image(tmp_path / "field.ome.zarr", np.stack(planes)[None, None])
    field = tmp_path / "plate" / "B" / "03" / "0"
    field.parent.mkdir(parents=True)
    written.rename(field)
    out = tmp_path / "field_pred.ome.tif"
    args = ["predict", "-m", "isl-phase-dapi-unet", str(field), "-o", str(out), "--device", "cpu"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with open_image(out) as image:
        assert image.shape == (1, 1, 1, 32, 48) and image.channel_names == ["DAPI_CONFOCAL"]


def test_shards_of_a_job_array_predict_each_input_once(tmp_path, fake_models):
    sources = inputs(tmp_path / "in", 5)
    out = tmp_path / "out"
    args = ["predict", "-m", "dna", str(tmp_path / "in"), "-o", str(out), "--format", ".npy"]
    written = []
    for index in range(3):
        result = runner.invoke(app, [*args, "--shard", f"{index}/3"])
        assert result.exit_code == 0, result.output
        written.append(sorted(p.name for p in out.glob("*.npy")))
    assert [len(w) for w in written] == [1, 3, 5]  # blocks of 1, 2 and 2 inputs in name order
    assert written[0] == [sources[0].name] and written[-1] == sorted(s.name for s in sources)
    one = ["predict", "-m", "dna", str(sources[0]), "-o", str(tmp_path / "one.npy")]
    idle = runner.invoke(app, [*one, "--shard", "0/2"])
    assert idle.exit_code == 0 and "Shard 0/2 of the 1 input(s) is empty" in idle.output
    assert not (tmp_path / "one.npy").exists()


def test_into_needs_a_container_and_an_output_is_required(tmp_path, fake_models):
    (source,) = inputs(tmp_path / "in", 1)
    into = runner.invoke(app, ["predict", "-m", "dna", str(source), "--into"])
    assert into.exit_code == 1
    assert f"{source} is not one. Give -o OUT instead" in " ".join(str(into.exception).split())
    neither = runner.invoke(app, ["predict", "-m", "dna", str(source)])
    assert "Give the output with -o OUT, or --into" in str(neither.exception)
    both = runner.invoke(app, ["predict", "-m", "dna", str(source), "-o", "x.npy", "--into"])
    assert "both were given" in str(both.exception)
    assert not (tmp_path / "x.npy").exists()
