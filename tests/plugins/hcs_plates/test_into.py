"""i2i predict PLATE --into: each field's prediction nested in the field (B/03/0/predictions/DAPI),
read back with ome-zarr-py; every file the plate had keeps its bytes and modification time;
resumed field by field; another model's channels are refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plate_support import ISL_CROPS, save_phase_weights
from typer.testing import CliRunner

from i2i.cli import app
from i2i_plugins.hcs_plates.errors import PlateLayoutError

runner = CliRunner()


def snapshot(plate: Path) -> dict[str, tuple[str, int]]:
    """Every file of the plate: its sha256 and modification time."""
    return {
        str(p.relative_to(plate)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(plate.rglob("*"))
        if p.is_file()
    }


def into(plate: Path, weights: Path, *extra: str):
    return runner.invoke(app, ["predict", str(plate), "-m", str(weights), "--into", *extra])


def ome_zarr_image(path: Path) -> dict:
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    (node,) = list(Reader(parse_url(str(path)))())[:1]
    return {
        "channels": node.metadata["channel_names"],
        "scale": node.metadata["coordinateTransformations"][0][0]["scale"],
        "data": np.asarray(node.data[0]),
    }


def test_into_nests_each_prediction_in_its_field_and_touches_nothing(
    isl_plate, phase_weights, tmp_path
):
    before = snapshot(isl_plate)
    result = into(isl_plate, phase_weights)
    assert result.exit_code == 0, result.output
    assert "4 field(s) predicted, 0 skipped" in result.output and "is complete" in result.output
    after = snapshot(isl_plate)
    assert {name: after[name] for name in before} == before  # same bytes, same times
    added = sorted(set(after) - set(before))
    assert added and all(name.split("/")[3] == "predictions" for name in added), added
    separate = tmp_path / "separate.ome.zarr"
    args = ["predict", str(isl_plate), "-m", str(phase_weights), "-o", str(separate)]
    assert runner.invoke(app, args).exit_code == 0
    for address in ISL_CROPS:
        nested = ome_zarr_image(isl_plate / address / "predictions" / "DAPI")
        field = ome_zarr_image(isl_plate / address)
        assert nested["channels"] == ["DAPI"] and field["channels"] == ["PHASE", "DAPI"]
        assert nested["scale"][-2:] == pytest.approx([0.65, 0.65]) == field["scale"][-2:]
        assert nested["data"].shape[-2:] == field["data"].shape[-2:]
        np.testing.assert_array_equal(nested["data"], ome_zarr_image(separate / address)["data"])
    scores = {}
    for name, pred in (("into", isl_plate), ("separate", separate)):
        out = tmp_path / f"evaluation_{name}"
        args = ["evaluate", "--pred", str(pred), "--target", str(isl_plate), "-o", str(out)]
        assert runner.invoke(app, [*args, "--metrics", "pcc"]).exit_code == 0
        scores[name] = pd.read_csv(out / "per_image.csv").sort_values("image")["pcc"].to_numpy()
    assert len(scores["into"]) == 4
    np.testing.assert_allclose(scores["into"], scores["separate"])
    info = json.loads(runner.invoke(app, ["info", str(isl_plate), "--json"]).output)[0]
    assert info["fields"] == 4 and info["channel_names"] == ["PHASE", "DAPI"]
    assert info["predictions"]["DAPI"]["channels"] == ["DAPI"]
    assert info["predictions"]["DAPI"]["fields_written"] == 4
    text = runner.invoke(app, ["info", str(isl_plate)]).output
    assert "predicted   DAPI in <field>/predictions/DAPI, 4 of 4 fields written" in text


def test_into_resumes_field_by_field_and_never_rewrites_a_field(isl_plate, phase_weights):
    alias = ["plate", "predict", str(isl_plate), "-m", str(phase_weights), "--into"]
    assert runner.invoke(app, [*alias, "--shard", "0/2"]).exit_code == 0  # i2i plate predict
    first = snapshot(isl_plate)
    shutil.rmtree(isl_plate / "B" / "03" / "1" / "predictions" / "DAPI")
    resumed = into(isl_plate, phase_weights)
    assert resumed.exit_code == 0, resumed.output
    assert "3 field(s) predicted, 1 skipped" in resumed.output  # B/03/0 was done
    kept = {n: v for n, v in first.items() if not n.startswith("B/03/1/predictions/DAPI")}
    assert {n: snapshot(isl_plate)[n] for n in kept} == kept
    again = into(isl_plate, phase_weights)
    assert "0 field(s) predicted, 4 skipped" in again.output


def test_a_plate_without_predictions_is_not_its_own_prediction(isl_plate, tmp_path):
    args = ["evaluate", "--pred", str(isl_plate), "--target", str(isl_plate)]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "e")])
    assert "holds no predictions written into it" in str(result.exception)


def test_a_plate_holding_the_channels_of_another_model_is_refused(
    isl_plate, phase_weights, tmp_path
):
    assert into(isl_plate, phase_weights, "--shard", "1/2").exit_code == 0
    before = snapshot(isl_plate)
    other = save_phase_weights(tmp_path / "other.safetensors", seed=1)
    refused = into(isl_plate, other)
    assert refused.exit_code == 1 and isinstance(refused.exception, PlateLayoutError)
    message = " ".join(str(refused.exception).split())
    assert "predictions/DAPI: the plate already holds predicted channels ['DAPI']" in message
    assert snapshot(isl_plate) == before
    wrong_format = 2 if (isl_plate / "zarr.json").exists() else 3
    refused = into(isl_plate, phase_weights, "--zarr-format", str(wrong_format))
    assert "--into writes the predictions in the plate's own zarr format" in str(refused.exception)
