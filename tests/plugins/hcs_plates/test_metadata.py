"""Reading plates written by ome-zarr-py: structure, fields through the core reader, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from plate_support import CROP, ISL_CROPS
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i_plugins.hcs_plates.errors import PlateError
from i2i_plugins.hcs_plates.metadata import check_fields, read_plate

runner = CliRunner()


def test_a_plate_reads_its_wells_and_fields_and_each_field_opens_as_an_image(isl_plate, isl_planes):
    plate = read_plate(isl_plate)
    assert plate.rows == ("B", "C") and plate.columns == ("03", "05")
    assert [w.path for w in plate.wells] == ["B/03", "C/05"]
    assert plate.field_addresses == list(ISL_CROPS)
    check_fields(plate)
    y, x = ISL_CROPS["C/05/1"]
    with open_image(isl_plate / "C" / "05" / "1") as field:
        assert field.channel_names == ["PHASE", "DAPI"]
        assert field.shape == (1, 2, 1, *CROP)
        assert field.pixel_sizes.x == pytest.approx(0.65)
        expected = isl_planes["DAPI"][y : y + CROP[0], x : x + CROP[1]]
        np.testing.assert_array_equal(field.read_plane(channel="DAPI"), expected)


def test_i2i_plate_info_summarises_the_plate_and_i2i_info_describes_a_field(isl_plate):
    result = runner.invoke(app, ["plate", "info", str(isl_plate)])
    assert result.exit_code == 0, result.output
    assert "rows        2 (B, C)" in result.output
    assert "wells       2 (B/03, C/05)" in result.output
    assert "fields      4 (2 per well), 4 written" in result.output
    assert "channels    PHASE, DAPI" in result.output and "x 0.65 µm" in result.output
    described = json.loads(runner.invoke(app, ["plate", "info", str(isl_plate), "--json"]).output)
    assert described[0]["ngff_version"] == ("0.5" if (isl_plate / "zarr.json").exists() else "0.4")
    field = runner.invoke(app, ["info", str(isl_plate / "B" / "03" / "0")])
    assert field.exit_code == 0 and "channels    PHASE, DAPI" in field.output


def test_a_missing_well_or_field_is_an_error_naming_its_path(isl_plate, tmp_path):
    broken = tmp_path / "broken.ome.zarr"
    shutil.copytree(isl_plate, broken)
    shutil.rmtree(broken / "B" / "03" / "1")
    with pytest.raises(PlateError, match=r"broken.ome.zarr/B/03/1: the plate lists field 'B/03/1'"):
        check_fields(read_plate(broken))
    shutil.rmtree(broken / "C" / "05")
    result = runner.invoke(app, ["plate", "info", str(broken)])
    assert result.exit_code == 1
    assert "broken.ome.zarr/C/05: the plate lists well 'C/05'" in str(result.exception)


def test_a_folder_that_is_no_plate_is_an_error_saying_what_it_is(tmp_path: Path):
    (tmp_path / "images.zarr").mkdir()
    with pytest.raises(PlateError, match=r"images.zarr: not an HCS OME-Zarr plate"):
        read_plate(tmp_path / "images.zarr")
    with pytest.raises(PlateError, match=r"nope.zarr: no such plate folder"):
        read_plate(tmp_path / "nope.zarr")
