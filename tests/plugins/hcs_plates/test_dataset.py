"""The hcs_plate dataset layout: fields of plates by channel name, wells as split groups,
conditions from a table, and a recipe that trains on a plate of real ISL crops."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

from i2i.cli import app
from i2i.data import DataError, make_split
from i2i.plugins import get_registries

runner = CliRunner()


def plate_dataset(root: Path, **params):
    spec = {"name": "hcs_plate", "root": str(root), "inputs": ["PHASE"], "targets": ["DAPI"]}
    return get_registries().datasets.create({**spec, **params})


def test_fields_become_records_with_channels_by_name_and_well_groups(isl_plate):
    records = plate_dataset(isl_plate).index()
    stem = isl_plate.name.split(".")[0]
    assert [r.field_id for r in records] == [
        f"{stem}/{a}" for a in ("B/03/0", "B/03/1", "C/05/0", "C/05/1")
    ]
    first = records[0]
    assert (
        first.inputs[0].source.path == isl_plate / "B/03/0" and first.inputs[0].channel == "PHASE"
    )
    assert first.targets["DAPI"].channel == "DAPI"
    assert first.groups == {"plate": stem, "well": f"{stem}/B/03", "field": f"{stem}/B/03/0"}
    assert first.pixel_size_um == pytest.approx(0.65)
    for seed in range(5):
        splits = make_split(records, val_fraction=0.5, group_by="well", seed=seed)
        for name in ("train", "val"):  # no well leaks between the splits
            wells = {i.rsplit("/", 1)[0] for i in splits[name]}
            other = {i.rsplit("/", 1)[0] for n in ("train", "val") if n != name for i in splits[n]}
            assert wells and not wells & other


def test_a_folder_of_plates_conditions_and_a_well_subset(isl_plate, tmp_path):
    folder = tmp_path / "screen"
    folder.mkdir()
    for name in ("P1.ome.zarr", "P2.ome.zarr"):
        shutil.copytree(isl_plate, folder / name)
    table = tmp_path / "conditions.csv"
    table.write_text("plate,well,condition\nP1,B/03,dmso\nP1,C/05,drug\n,B/03,dmso\n,C/05,drug\n")
    records = plate_dataset(folder, conditions=str(table)).index()
    assert len(records) == 8 and {r.groups["plate"] for r in records} == {"P1", "P2"}
    assert {r.groups["well"]: r.groups["condition"] for r in records}["P2/C/05"] == "drug"
    only = plate_dataset(folder, wells=["C/05"]).index()
    assert {r.groups["well"] for r in only} == {"P1/C/05", "P2/C/05"}
    table.write_text("well,condition\nB/03,dmso\n")
    with pytest.raises(DataError, match=r"well 'C/05' has no row in the conditions table"):
        plate_dataset(folder, conditions=str(table)).index()


def test_an_input_channel_missing_from_a_field_is_an_error_naming_the_field(isl_plate):
    with pytest.raises(
        DataError,
        match=r"B/03/0: no input channel 'BF'; the field has the channels \['PHASE', 'DAPI'\]",
    ):
        plate_dataset(isl_plate, inputs=["BF"]).index()


def test_a_recipe_trains_on_a_plate_grouped_by_well(isl_plate, tmp_path):
    dataset = {"name": "hcs_plate", "inputs": ["PHASE"], "targets": ["DAPI"]}
    recipe = write_recipe(
        tmp_path,
        isl_plate,
        model={**TINY_UNET, "out_channels": 1},
        losses=[{"name": "l1"}],
        dataset=dataset,
        group_by="well",
        batch_size=2,
        max_steps=2,
        validate_every=2,
        checkpoint_every=2,
    )
    result = runner.invoke(app, ["run", str(recipe), "data.split.val_fraction=0.5"])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    assert (run / "best.safetensors").is_file()
