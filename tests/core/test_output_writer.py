"""i2i.output_writer: every writer get_writer returns follows the output rules."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from i2i.io import get_writer, write_image
from i2i.output_writer import OutputWriter, is_earlier_image
from i2i.outputs import OutputError


def test_an_earlier_image_is_one_a_reader_of_the_writers_kind_recognises(tmp_path: Path):
    tiff = write_image(tmp_path / "a.ome.tif", np.zeros((4, 4), np.uint8))
    zarr = write_image(tmp_path / "b.ome.zarr", np.zeros((4, 4), np.uint8))
    tiff_writer = get_writer(tmp_path / "x.ome.tif").writer
    zarr_writer = get_writer(tmp_path / "x.ome.zarr").writer
    assert is_earlier_image(tiff, tiff_writer) and is_earlier_image(zarr, zarr_writer)
    (tmp_path / "notes.ome.tif").write_text("notes")
    assert not is_earlier_image(tmp_path / "notes.ome.tif", tiff_writer)


class _Writer:
    suffixes = (".raw",)

    def __init__(self, error: OSError):
        self.error = error

    def write(self, path, array, *, channel_names=None, pixel_sizes=None):
        raise self.error

    def open(self, path, **metadata):
        raise self.error


@pytest.mark.parametrize("method", ["write", "open"])
def test_os_errors_of_any_writer_name_the_output(tmp_path: Path, method: str):
    out = tmp_path / "o.raw"
    writer = OutputWriter(_Writer(OSError(errno.ENOSPC, "No space left on device", str(out))))
    with pytest.raises(OutputError, match=f"no space left on device while writing {out}"):
        if method == "write":
            writer.write(out, np.zeros((1, 1, 1, 2, 2)))
        else:
            writer.open(out, shape=(1, 1, 1, 2, 2), dtype=np.uint8)


def test_with_overwrite_keeps_the_writer(tmp_path: Path):
    writer = get_writer(tmp_path / "a.ome.zarr", zarr_format=3)
    replacing = writer.with_overwrite()
    assert replacing.writer is writer.writer and replacing.overwrite and not writer.overwrite
    assert get_writer(tmp_path / "b.ome.zarr", replacing) is replacing
