"""i2i plate evaluate: per field, per well and per plate scores and a plate-map heat map."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from plate_support import ISL_CROPS, isl_fields, write_reference_plate
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i_plugins.hcs_plates.errors import PlateError

runner = CliRunner()


def test_a_perfect_prediction_scores_pcc_1_per_field_well_and_plate(
    isl_plate, isl_planes, tmp_path
):
    perfect = {a: (planes[1:], ["DAPI"]) for a, (planes, _) in isl_fields(isl_planes).items()}
    pred = write_reference_plate(tmp_path / "perfect.ome.zarr", perfect, zarr_format=3)
    out = tmp_path / "evaluation"
    args = ["plate", "evaluate", "--pred", str(pred), "--target", str(isl_plate), "-o", str(out)]
    result = runner.invoke(app, [*args, "--metrics", "pcc,mae"])
    assert result.exit_code == 0, result.output
    per_image = pd.read_csv(out / "per_image.csv")
    assert sorted(per_image["image"]) == sorted(ISL_CROPS) and set(per_image["channel"]) == {"DAPI"}
    assert per_image["pcc"].to_numpy() == pytest.approx(1.0) and per_image["mae"].max() < 1e-6
    per_well = pd.read_csv(out / "per_well.csv")
    assert list(per_well["well"]) == ["B/03", "C/05"]
    assert pd.read_csv(out / "per_plate.csv")["pcc"].iloc[0] == pytest.approx(1.0)
    assert (out / "figures" / "plate_map_DAPI.png").stat().st_size > 1000
    assert "![plate_map_DAPI](figures/plate_map_DAPI.png)" in (out / "report.md").read_text()


def test_a_predicted_plate_scores_against_its_input_plate(isl_plate, phase_weights, tmp_path):
    pred = tmp_path / "predicted.ome.zarr"
    args = ["predict", str(isl_plate), "-m", str(phase_weights), "-o", str(pred)]
    assert runner.invoke(app, args).exit_code == 0
    out = tmp_path / "evaluation"
    args = ["evaluate", "--pred", str(pred), "--target", str(isl_plate), "-o", str(out)]
    result = runner.invoke(app, [*args, "--metrics", "pcc"])
    assert result.exit_code == 0, result.output
    assert "Scored 4 image channel(s) of the HCS plate" in result.output
    assert len(pd.read_csv(out / "per_image.csv")) == 4
    assert list(pd.read_csv(out / "per_well.csv")["well"]) == ["B/03", "C/05"]
    assert (out / "figures" / "plate_map_DAPI.png").is_file()
    numbers = runner.invoke(app, [*args, "--metrics", "pcc,mae", "--json"])
    assert numbers.exit_code == 0, numbers.output
    (summary,) = json.loads(numbers.output)["summary"]
    assert summary["n"] == 4 and set(summary) >= {"organelle", "pcc", "mae"}


def test_tta_uncertainty_channels_give_the_spread_not_scores(isl_plate, phase_weights, tmp_path):
    scores = {}
    for name, extra in (("plain", []), ("tta", ["--tta", "--uncertainty"])):
        pred = tmp_path / f"{name}.ome.zarr"
        args = ["predict", str(isl_plate), "-m", str(phase_weights), "-o", str(pred), *extra]
        assert runner.invoke(app, args).exit_code == 0
        out = tmp_path / f"evaluation_{name}"
        args = ["evaluate", "--pred", str(pred), "--target", str(isl_plate), "-o", str(out)]
        result = runner.invoke(app, [*args, "--metrics", "pcc"])
        assert result.exit_code == 0, result.output
        scores[name] = pd.read_csv(out / "per_image.csv").set_index("image")
    tta = scores["tta"]
    assert set(tta["channel"]) == {"DAPI"} and len(tta) == len(scores["plain"]) == 4
    assert tta["pcc"].notna().all() and "tta_std" not in scores["plain"]
    for address, row in tta.iterrows():  # the spread column is the mean of the spread channel
        with open_image(tmp_path / "tta.ome.zarr" / str(address)) as field:
            assert field.channel_names == ["DAPI", "DAPI_tta_std"]
            spread = field.read(channel=["DAPI_tta_std"])
        assert row["tta_std"] == pytest.approx(float(spread.mean()), rel=1e-5) and spread.max() > 0


def test_a_channel_or_field_the_target_lacks_is_an_error_naming_it(isl_plate, isl_planes, tmp_path):
    fields = {a: (planes[1:], ["Mito"]) for a, (planes, _) in isl_fields(isl_planes).items()}
    pred = write_reference_plate(tmp_path / "mito.ome.zarr", fields, zarr_format=2)
    args = [
        "plate",
        "evaluate",
        "--pred",
        str(pred),
        "--target",
        str(isl_plate),
        "-o",
        str(tmp_path / "e"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and isinstance(result.exception, PlateError)
    assert "B/03/0: no channel 'Mito'" in str(result.exception)
    extra = {**isl_fields(isl_planes), "D/09/0": isl_fields(isl_planes)["B/03/0"]}
    bigger = write_reference_plate(tmp_path / "bigger.ome.zarr", extra, zarr_format=2)
    result = runner.invoke(
        app,
        [
            "plate",
            "evaluate",
            "--pred",
            str(bigger),
            "--target",
            str(isl_plate),
            "-o",
            str(tmp_path / "f"),
        ],
    )
    assert "the target plate has no field D/09/0" in str(result.exception)
