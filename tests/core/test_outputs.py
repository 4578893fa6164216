"""i2i.outputs: what may be replaced, and OS errors on outputs as one message."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from i2i.outputs import OutputError, OutputExistsError, check_replaceable, output_errors


def never(path: Path) -> bool:
    return False


def test_free_empty_or_same_kind_paths_may_be_replaced(tmp_path: Path):
    check_replaceable(tmp_path / "new", "an image", never)
    (tmp_path / "empty.tif").write_bytes(b"")
    check_replaceable(tmp_path / "empty.tif", "an image", never)
    (tmp_path / "empty.zarr").mkdir()
    check_replaceable(tmp_path / "empty.zarr", "an image", never)
    (tmp_path / "old.tif").write_bytes(b"II*\0")
    check_replaceable(tmp_path / "old.tif", "an image", lambda p: True)


def test_anything_else_only_with_overwrite_and_the_error_says_what_is_there(tmp_path: Path):
    folder = tmp_path / "data.zarr"
    folder.mkdir()
    for name in "abcd":
        (folder / f"{name}.csv").write_text("1")
    with pytest.raises(OutputExistsError, match=r"4 entries \(a.csv, b.csv, c.csv, \.\.\.\)"):
        check_replaceable(folder, "an image", never)
    (tmp_path / "link.tif").symlink_to(folder)
    with pytest.raises(OutputExistsError, match="a symbolic link to"):
        check_replaceable(tmp_path / "link.tif", "an image", lambda p: True)
    check_replaceable(folder, "an image", never, overwrite=True)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (errno.ENOSPC, "no space left on device while writing {out}"),
        (errno.EDQUOT, "disk quota exceeded while writing {out}"),
        (errno.EACCES, "cannot write {out}: permission denied"),
        (errno.EROFS, "cannot write {out}: the file system is read-only"),
    ],
)
def test_os_errors_on_the_output_name_it_and_the_cause(tmp_path: Path, error, message):
    out = tmp_path / "o.ome.tif"
    with pytest.raises(OutputError) as info, output_errors(out):
        raise OSError(error, "os text", str(tmp_path / ".o.ome.tif.tmp-0123abcd-p1-h"))
    assert str(info.value).startswith(message.format(out=out))


def test_a_file_above_the_output_is_named(tmp_path: Path):
    (tmp_path / "results").write_text("")
    out = tmp_path / "results" / "a" / "o.ome.zarr"
    with pytest.raises(OutputError, match=r"results is a file, not a folder"), output_errors(out):
        out.parent.mkdir(parents=True)


def test_os_errors_about_other_files_pass_unchanged(tmp_path: Path):
    with pytest.raises(FileNotFoundError), output_errors(tmp_path / "o.ome.tif"):
        (tmp_path / "input.tif").read_bytes()
