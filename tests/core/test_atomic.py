"""i2i.atomic: outputs appear complete under their final name or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from i2i.atomic import atomic_output, write_text_atomic
from i2i.hashing import sha256_file
from i2i.naming import image_stem


def test_a_failed_write_leaves_neither_output_nor_temporary(tmp_path: Path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_output(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_replaced_only_when_the_new_one_is_complete(tmp_path: Path):
    target = tmp_path / "image.zarr"
    target.mkdir()
    (target / "old").write_text("old")
    with atomic_output(target) as temporary:
        temporary.mkdir()
        (temporary / "new").write_text("new")
        assert (target / "old").exists()
    assert [p.name for p in target.iterdir()] == ["new"]
    assert [p.name for p in tmp_path.iterdir()] == ["image.zarr"]


def test_text_and_hash(tmp_path: Path):
    path = write_text_atomic(tmp_path / "a" / "b.txt", "abc")
    assert path.read_text() == "abc"
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    ("name", "stem"),
    [("a.ome.tiff", "a"), ("A.OME.TIF", "A"), ("b.ome.zarr", "b"), ("c.png", "c"), ("d", "d")],
)
def test_image_stem(name: str, stem: str):
    assert image_stem(Path("x") / name) == stem
