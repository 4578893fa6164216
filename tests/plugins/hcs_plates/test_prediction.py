"""i2i predict PLATE (and its alias i2i plate predict): an output plate like the input, read back
with ome-zarr-py; resume, refused layouts, and fields equal to predicting the same fields as
files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from plate_support import ISL_CROPS, save_phase_weights
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i.prediction import load_predictor
from i2i_plugins.hcs_plates.errors import PlateLayoutError
from i2i_plugins.hcs_plates.prediction import predict_plate

runner = CliRunner()


def read_back(path: Path) -> dict:
    """What ome-zarr-py reads of a plate i2i wrote: wells, and per field channels, scale, data."""
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    (plate,) = list(Reader(parse_url(str(path)))())[:1]
    wells = [
        w["path"] for w in plate.zarr.root_attrs.get("ome", plate.zarr.root_attrs)["plate"]["wells"]
    ]
    fields = {}
    for address in ISL_CROPS:
        (field,) = list(Reader(parse_url(str(path / address)))())[:1]
        fields[address] = {
            "channels": field.metadata["channel_names"],
            "scale": field.metadata["coordinateTransformations"][0][0]["scale"],
            "data": np.asarray(field.data[0]),
        }
    return {"wells": wells, "channels": plate.metadata["channel_names"], "fields": fields}


def predict_args(plate: Path, weights: Path, out: Path, *extra: str) -> list[str]:
    return ["predict", str(plate), "-m", str(weights), "-o", str(out), *extra]


def test_a_predicted_plate_has_the_input_wells_named_channels_and_pixel_sizes(
    isl_plate, phase_weights, tmp_path
):
    out = tmp_path / "predicted.ome.zarr"
    result = runner.invoke(app, predict_args(isl_plate, phase_weights, out))
    assert result.exit_code == 0, result.output
    assert "4 field(s) predicted, 0 skipped" in result.output and "is complete" in result.output
    stored = read_back(out)
    assert stored["wells"] == ["B/03", "C/05"] and stored["channels"] == ["DAPI"]
    predictor = load_predictor(phase_weights, device="cpu")
    for address, field in stored["fields"].items():
        assert field["channels"] == ["DAPI"]
        assert field["scale"][-2:] == pytest.approx([0.65, 0.65])
        as_file = predictor.predict(
            isl_plate / address, out=tmp_path / f"{address.replace('/', '_')}.ome.zarr"
        )
        with open_image(as_file) as image:
            np.testing.assert_array_equal(field["data"], image.read())
    same_version = (out / "zarr.json").exists() == (isl_plate / "zarr.json").exists()
    assert same_version  # NGFF 0.4 in, 0.4 out; 0.5 in, 0.5 out


def test_i2i_plate_predict_is_the_same_prediction(isl_plate, phase_weights, tmp_path):
    plain, alias = tmp_path / "plain.ome.zarr", tmp_path / "alias.ome.zarr"
    assert runner.invoke(app, predict_args(isl_plate, phase_weights, plain)).exit_code == 0
    result = runner.invoke(app, ["plate", *predict_args(isl_plate, phase_weights, alias)])
    assert result.exit_code == 0, result.output
    assert "4 field(s) predicted, 0 skipped" in result.output
    for address in ISL_CROPS:
        with open_image(plain / address) as one, open_image(alias / address) as other:
            np.testing.assert_array_equal(one.read(), other.read())
    not_a_plate = runner.invoke(app, ["plate", *predict_args(tmp_path, phase_weights, alias)])
    assert "not an HCS OME-Zarr plate" in str(not_a_plate.exception)


def test_one_field_predicts_through_i2i_predict_like_any_image(isl_plate, phase_weights, tmp_path):
    out = tmp_path / "field.ome.zarr"
    field = isl_plate / "C" / "05" / "1"
    result = runner.invoke(app, ["predict", str(field), "-m", str(phase_weights), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open_image(out) as image:
        assert image.channel_names == ["DAPI"] and image.shape[-2:] == (96, 112)


def test_a_rerun_skips_written_fields_without_rewriting_them(isl_plate, phase_weights, tmp_path):
    out = tmp_path / "predicted.ome.zarr"
    assert runner.invoke(app, predict_args(isl_plate, phase_weights, out)).exit_code == 0
    shutil.rmtree(out / "C" / "05" / "0")
    stamps = {a: _stamp(out / a) for a in ISL_CROPS if (out / a).exists()}
    again = runner.invoke(app, predict_args(isl_plate, phase_weights, out))
    assert again.exit_code == 0, again.output
    assert "1 field(s) predicted, 3 skipped" in again.output
    assert {a: _stamp(out / a) for a in stamps} == stamps
    assert json.loads(runner.invoke(app, ["plate", "info", str(out), "--json"]).output)[0][
        "complete"
    ]


def _stamp(field: Path) -> int:
    return max(p.stat().st_mtime_ns for p in field.rglob("*") if p.is_file())


def test_an_output_plate_of_another_layout_is_refused_not_overwritten(
    isl_plate, phase_weights, tmp_path
):
    out = tmp_path / "predicted.ome.zarr"
    assert runner.invoke(app, predict_args(isl_plate, phase_weights, out)).exit_code == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    smaller = tmp_path / "smaller.ome.zarr"
    shutil.copytree(isl_plate, smaller)
    _drop_well(smaller, "C/05")
    with pytest.raises(
        PlateLayoutError,
        match=r"predicted.ome.zarr: this plate.s layout differs .*C/05 that the input has not",
    ):
        predict_plate(smaller, out, phase_weights, device="cpu")
    other_model = save_other_channel_weights(tmp_path / "other.safetensors")
    refused = runner.invoke(app, predict_args(isl_plate, other_model, out))
    assert refused.exit_code == 1
    assert "its channels are ['DAPI'], not ['NUCLEI']" in str(refused.exception)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    (tmp_path / "notes.zarr").mkdir()
    (tmp_path / "notes.zarr" / "keep.txt").write_text("mine")
    with pytest.raises(PlateLayoutError, match=r"notes.zarr exists and is not an HCS plate"):
        predict_plate(isl_plate, tmp_path / "notes.zarr", phase_weights, device="cpu")


def _drop_well(plate: Path, well: str) -> None:
    name = "zarr.json" if (plate / "zarr.json").exists() else ".zattrs"
    stored = json.loads((plate / name).read_text())
    attributes = stored["attributes"]["ome"] if name == "zarr.json" else stored
    attributes["plate"]["wells"] = [w for w in attributes["plate"]["wells"] if w["path"] != well]
    (plate / name).write_text(json.dumps(stored))
    shutil.rmtree(plate / well)


def save_other_channel_weights(path: Path) -> Path:
    """Weights like the phase model's whose output channel is named NUCLEI."""
    from zoo_support import TINY_SPEC

    from i2i.model import build_model
    from i2i.weights import save_weights

    model = build_model(TINY_SPEC).eval()
    contract = {"input_channels": ["PHASE"], "output_channels": ["NUCLEI"]}
    save_weights(path, model, {"recipe": {"model": TINY_SPEC}, "input_contract": contract})
    return path


def test_a_channel_the_model_needs_missing_from_a_field_is_an_error_naming_it(isl_plate, tmp_path):
    weights = save_phase_weights(tmp_path / "w.safetensors")
    renamed = tmp_path / "renamed.ome.zarr"
    shutil.copytree(isl_plate, renamed)
    field = renamed / "B" / "03" / "0"
    name = "zarr.json" if (field / "zarr.json").exists() else ".zattrs"
    stored = json.loads((field / name).read_text())
    attributes = stored["attributes"]["ome"] if name == "zarr.json" else stored
    attributes["omero"]["channels"][0]["label"] = "BF"
    (field / name).write_text(json.dumps(stored))
    result = runner.invoke(app, predict_args(renamed, weights, tmp_path / "out.ome.zarr"))
    assert result.exit_code == 1
    message = str(result.exception)
    assert "renamed.ome.zarr/B/03/0" in message and "PHASE" in message, message
