"""Full-disk errors of the writers: reserved buffers and named errors (issue 19 item 6)."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from i2i.image import DiskFullError
from i2i.io import get_writer
from i2i_plugins.image_formats.space import disk_errors, reserve


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG])
def test_full_disk_errors_name_the_output_and_its_size(tmp_path: Path, code: int) -> None:
    expected = rf"writing {tmp_path / 'a.tif'} \(needed about 3 MB"
    with pytest.raises(DiskFullError, match=expected), disk_errors(tmp_path / "a.tif", 3_000_000):
        raise OSError(code, "full")


def test_other_os_errors_pass_unchanged(tmp_path: Path) -> None:
    with pytest.raises(PermissionError), disk_errors(tmp_path / "a.tif", 1):
        raise PermissionError(errno.EACCES, "no")


def test_reserve_allocates_the_blocks(tmp_path: Path) -> None:
    path = tmp_path / "buffer"
    path.write_bytes(b"")
    reserve(path, 1 << 20)
    assert path.stat().st_size == 1 << 20 and path.stat().st_blocks * 512 >= 1 << 20


def test_ome_tiff_buffer_is_allocated_before_any_region_is_written(tmp_path: Path) -> None:
    path = tmp_path / "a.ome.tif"
    shape = (1, 1, 1, 512, 512)
    with get_writer(path).open(path, shape=shape, dtype=np.uint16) as sink:
        (buffer,) = tmp_path.glob(".a.ome.tif.buffer-*")
        assert buffer.stat().st_blocks * 512 >= 512 * 512 * 2  # not a sparse file
        sink.write_region(np.ones(shape, np.uint16))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ome.tif"]
