"""i2i plate convert: a JUMP cpg0000 folder of real bright-field TIFFs and an LMC folder become
HCS plates that ome-zarr-py reads (wells, channel names, scale, pixels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from plate_support import save_bright_field_weights
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i_plugins.hcs_plates.conversion import row_name
from i2i_plugins.hcs_plates.errors import PlateError

runner = CliRunner()


def ome_zarr_field(path: Path) -> tuple[list[str], list[float], np.ndarray]:
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    (node,) = list(Reader(parse_url(str(path)))())[:1]
    scale = node.metadata["coordinateTransformations"][0][0]["scale"]
    return node.metadata["channel_names"], scale, np.asarray(node.data[0])


def test_a_jump_folder_becomes_a_plate_with_wells_sites_and_named_channels(jump_folder, tmp_path):
    plate = tmp_path / "BR00116991.ome.zarr"
    result = runner.invoke(app, ["plate", "convert", str(jump_folder), str(plate)])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 field(s)" in result.output
    names, scale, data = ome_zarr_field(plate / "B" / "03" / "1")  # well r02c03, site f02
    assert names == ["BF_over", "BF_under", "BF_focus"]
    assert scale[-2:] == pytest.approx([0.598, 0.598])
    images = jump_folder / "Images"
    for channel, number in enumerate((6, 7, 8)):
        source = tifffile.imread(images / f"r02c03f02p01-ch{number}sk1fk1fl1.tiff")
        np.testing.assert_array_equal(data[0, channel, 0], source)
    again = runner.invoke(app, ["plate", "convert", str(jump_folder), str(plate)])
    assert "Wrote 0 field(s)" in again.output  # complete fields are kept, not rewritten


def test_a_converted_jump_plate_predicts_with_a_three_channel_model(jump_folder, tmp_path):
    plate = tmp_path / "jump.ome.zarr"
    runner.invoke(app, ["plate", "convert", str(jump_folder), str(plate), "--zarr-format", "2"])
    weights = save_bright_field_weights(tmp_path / "bf.safetensors")
    out = tmp_path / "jump_dna.ome.zarr"
    args = ["plate", "predict", str(plate), "-m", str(weights), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    names, scale, data = ome_zarr_field(out / "A" / "01" / "0")
    assert names == ["DNA"] and data.shape == (1, 1, 1, 256, 256)
    assert scale[-2:] == pytest.approx([0.598, 0.598])
    assert (out / ".zattrs").is_file()  # the input's NGFF 0.4 kept


def test_an_lmc_folder_becomes_a_plate_a_row_per_study(tmp_path):
    assert runner.invoke(app, ["data", "demo", str(tmp_path / "lmc")]).exit_code == 0
    plate = tmp_path / "lmc.ome.zarr"
    result = runner.invoke(
        app, ["plate", "convert", str(tmp_path / "lmc"), str(plate), "--layout", "lmc"]
    )
    assert result.exit_code == 0, result.output
    studies = sorted(p.name for p in (tmp_path / "lmc").iterdir())
    assert sorted(p.name for p in plate.iterdir() if p.is_dir()) == [
        row_name(i) for i in range(len(studies))
    ]
    with open_image(plate / "A" / "01" / "0") as field:
        assert field.channel_names[0].startswith("BF_z") or field.channel_names[0] in ("DIC", "PC")
        assert field.pixel_sizes.x is not None


def test_row_names_and_conversion_errors():
    assert [row_name(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]
    result = runner.invoke(app, ["plate", "convert", ".", "x.ome.zarr", "--layout", "tiffs"])
    assert result.exit_code == 1 and isinstance(result.exception, PlateError)
    assert "--layout 'tiffs': give one of jump, lmc" in str(result.exception)
