"""Time increments (issue 19 item 17) read from OME-XML, NGFF axes, ImageJ and bioio, and
written to OME-TIFF (``TimeIncrement``) and OME-Zarr (t scale, unit ``second``); outputs are
checked with independent readers (ome-types with schema validation, bioio)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import PixelSizes
from i2i.io import open_image, write_image
from i2i_plugins.image_formats.units import to_seconds

NELLIE = "nellie_yeast_mito/yeast_3d_mitochondria.ome.tif"
BIO_FORMATS_INCREMENT = 4.535566806793213


def test_time_units_convert_to_seconds() -> None:
    assert to_seconds("4.54", "s") == 4.54
    assert to_seconds(250, "ms") == pytest.approx(0.25)
    assert to_seconds(2, "min") == 120 and to_seconds(1, "hours") == 3600
    assert to_seconds(3, "second") == 3 and to_seconds(5, "milliseconds") == pytest.approx(0.005)
    assert to_seconds(1, "\u03bcs") == pytest.approx(1e-6)
    assert to_seconds(1, "fortnight") is None and to_seconds(0, "s") is None
    assert to_seconds(None, "s") is None and to_seconds("inf", "s") is None


@pytest.mark.parametrize("name", ["copy.ome.zarr", "copy_v3.ome.zarr", "copy.ome.tif"])
def test_converting_the_bio_formats_file_keeps_its_time_increment(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    output = tmp_path / name
    options = ["--zarr-format", "3"] if "v3" in name else []
    result = CliRunner().invoke(app, ["convert", str(shared_data / NELLIE), str(output), *options])
    assert result.exit_code == 0, result.output
    sizes = open_image(output).pixel_sizes
    assert sizes == PixelSizes(0.25, 0.0655, 0.0655, t=BIO_FORMATS_INCREMENT)


def test_ome_tiff_time_increment_validates_with_ome_types(tmp_path: Path) -> None:
    from ome_types import from_tiff
    from ome_types.model import UnitsTime

    pixels = np.zeros((3, 1, 2, 8, 8), np.uint16)
    path = write_image(tmp_path / "a.ome.tif", pixels, pixel_sizes=PixelSizes(1, 0.5, 0.5, t=2.5))
    ome = from_tiff(path, validate=True)
    assert ome.images[0].pixels.time_increment == 2.5
    assert ome.images[0].pixels.time_increment_unit == UnitsTime.SECOND
    unknown = write_image(tmp_path / "b.ome.tif", pixels)
    assert from_tiff(unknown, validate=True).images[0].pixels.time_increment is None


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_ome_zarr_t_axis_has_seconds_and_the_increment_as_scale(
    tmp_path: Path, zarr_format: int
) -> None:
    from bioio import BioImage

    pixels = np.zeros((3, 1, 2, 8, 8), np.uint16)
    sizes = PixelSizes(1, 0.5, 0.5, t=2.5)
    path = write_image(tmp_path / "a.ome.zarr", pixels, pixel_sizes=sizes, zarr_format=zarr_format)
    meta = json.loads((path / (".zattrs" if zarr_format == 2 else "zarr.json")).read_text())
    multiscale = meta.get("attributes", {}).get("ome", meta)["multiscales"][0]
    assert multiscale["axes"][0] == {"name": "t", "type": "time", "unit": "second"}
    scale = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
    assert scale[0] == 2.5
    interval = BioImage(path).time_interval  # bioio-ome-zarr gives a number, in seconds here
    assert getattr(interval, "total_seconds", lambda: interval)() == 2.5
    assert open_image(path, reader="bioio").pixel_sizes.t == 2.5
    without = write_image(tmp_path / "b.ome.zarr", pixels, zarr_format=zarr_format)
    assert open_image(without).pixel_sizes.t is None


def test_ngff_time_units_are_read_as_seconds(tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.ome.zarr", np.zeros((2, 1, 1, 4, 4), np.uint8))
    meta = json.loads((path / ".zattrs").read_text())
    multiscale = meta["multiscales"][0]
    multiscale["axes"][0]["unit"] = "millisecond"
    multiscale["datasets"][0]["coordinateTransformations"][0]["scale"][0] = 40.0
    (path / ".zattrs").write_text(json.dumps(meta))
    assert open_image(path).pixel_sizes.t == pytest.approx(0.04)


def test_imagej_frame_interval(tmp_path: Path) -> None:
    import tifffile

    path = tmp_path / "movie.tif"
    metadata = {"axes": "TYX", "finterval": 0.5, "unit": "micron"}
    tifffile.imwrite(path, np.zeros((4, 8, 8), np.uint16), imagej=True, metadata=metadata)
    assert open_image(path).pixel_sizes.t == 0.5
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((4, 8, 8), np.uint16), imagej=True, metadata={"finterval": 2})
    assert open_image(plain).pixel_sizes == PixelSizes(t=2.0)
