"""The plain commands given a plate: i2i info, i2i predict and i2i evaluate reach the plates
plugin through the i2i_open_container hook, and refuse the options that only apply to files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.cli.containers import ContainerUsageError, open_container
from i2i_plugins.hcs_plates.container import PlateContainer

runner = CliRunner()


def test_the_hook_opens_a_plate_and_leaves_fields_and_files_to_the_readers(isl_plate, tmp_path):
    assert isinstance(open_container(isl_plate), PlateContainer)
    assert open_container(isl_plate / "B" / "03" / "0") is None  # a field is an image
    assert open_container(isl_plate / "B" / "03") is None  # a well is neither
    (tmp_path / "notes.txt").write_text("not an image")
    assert open_container(tmp_path / "notes.txt") is None
    assert open_container(tmp_path / "absent.ome.zarr") is None


def test_i2i_info_summarises_a_plate_as_i2i_plate_info_does(isl_plate):
    plain = runner.invoke(app, ["info", str(isl_plate), str(isl_plate / "B" / "03" / "1")])
    assert plain.exit_code == 0, plain.output
    alias = runner.invoke(app, ["plate", "info", str(isl_plate)])
    assert plain.output.startswith(alias.output)
    assert "wells       2 (B/03, C/05)" in plain.output
    assert "fields      4 (2 per well), 4 written" in plain.output
    assert "channels    PHASE, DAPI" in plain.output and "reader" in plain.output  # the field
    entries = json.loads(runner.invoke(app, ["info", str(isl_plate), "--json"]).output)
    assert entries[0]["kind"] == "HCS plate" and entries[0]["wells"] == ["B/03", "C/05"]
    assert entries[0]["pixel_sizes_um"]["x"] == pytest.approx(0.65)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--format", ".ome.tif"], "--format applies only to outputs written as image files"),
        (["--writer", "ome_tiff", "--format", ".tif"], "--format, --writer apply only"),
        (["--overwrite"], "--overwrite does not apply to a plate: a written field is never"),
        (["--writer-option", "bogus=1"], "the 'ome_zarr' writer does not accept {'bogus': 1"),
    ],
)
def test_predict_refuses_options_a_plate_does_not_take(
    isl_plate, phase_weights, tmp_path, extra, named
):
    out = tmp_path / "out.ome.zarr"
    args = ["predict", str(isl_plate), "-m", str(phase_weights), "-o", str(out), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and named in " ".join(str(result.exception).split())
    assert str(tmp_path) in str(result.exception) and not out.exists()  # names a path


def test_a_plate_must_be_the_only_input(isl_plate, phase_weights, tmp_path):
    field = isl_plate / "B" / "03" / "0"
    args = ["predict", str(field), str(isl_plate), "-m", str(phase_weights), "-o", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "give it as the only input" in str(result.exception)


def test_info_refuses_a_reader_for_a_plate(isl_plate):
    result = runner.invoke(app, ["info", str(isl_plate), "--reader", "ome_zarr"])
    assert isinstance(result.exception, ContainerUsageError)
    assert "--reader applies only to image files" in str(result.exception)


@pytest.mark.parametrize(
    "extra",
    [["--best-z", "b.csv"], ["--objects"], ["--input", "in/"], ["--labels", "l/"]],
)
def test_evaluate_refuses_file_options_for_a_plate(isl_plate, tmp_path, extra):
    out = tmp_path / "evaluation"
    args = ["evaluate", "--pred", str(isl_plate), "--target", str(isl_plate), "-o", str(out)]
    result = runner.invoke(app, [*args, *extra])
    assert isinstance(result.exception, ContainerUsageError), result.output
    assert f"{extra[0]} apply only to folders of image files" in str(result.exception).replace(
        "applies", "apply"
    )
    assert not out.exists()


def test_a_plate_target_needs_a_plate_prediction(isl_plate, tmp_path: Path):
    (tmp_path / "preds").mkdir()
    args = ["evaluate", "--pred", str(tmp_path / "preds"), "--target", str(isl_plate)]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "e")])
    assert result.exit_code == 1
    assert "is a container of images (HCS plate) but --pred" in str(result.exception)


def test_compare_ranks_evaluations_of_plates_not_plates(isl_plate, tmp_path: Path):
    args = ["evaluate", "--compare", str(isl_plate), str(tmp_path), "-o", str(tmp_path / "c")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "--compare ranks evaluation outputs. Evaluate each prediction first" in " ".join(
        str(result.exception).split()
    )
