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


# -- temporaries name their process; the next write removes those of dead processes ----------


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _temporary_of(final: Path, pid: int, host: str | None = None) -> Path:
    from i2i.atomic import _host

    path = final.with_name(f".{final.name}.buffer-0123abcd-p{pid}-{host or _host()}")
    path.write_bytes(b"x" * 1000)
    return path


def test_temporaries_carry_the_process_id(tmp_path: Path):
    import os

    from i2i.atomic import temporary_sibling

    name = temporary_sibling(tmp_path / "out.ome.tif", "buffer").name
    assert name.startswith(".out.ome.tif.buffer-") and f"-p{os.getpid()}-" in name


def test_only_temporaries_of_gone_processes_of_this_host_are_stale(tmp_path: Path):
    import os

    from i2i.atomic import stale_temporaries

    final = tmp_path / "out.ome.tif"
    dead = _temporary_of(final, _dead_pid())
    _temporary_of(final, os.getpid())  # this process: still writing
    _temporary_of(final, os.getppid())  # a running process
    _temporary_of(final, _dead_pid(), host="othernode")  # another host: unknown
    (tmp_path / ".out.ome.tif.tmp-0123abcd").write_bytes(b"")  # no process recorded
    (tmp_path / ".other.ome.tif.tmp-0123abcd-p1-x").write_bytes(b"")  # another output
    assert stale_temporaries(final) == [dead]


def test_atomic_output_removes_stale_temporaries_and_warns(tmp_path: Path):
    from i2i.atomic import StaleTemporaryWarning

    final = tmp_path / "w.safetensors"
    dead = _temporary_of(final, _dead_pid())
    with pytest.warns(StaleTemporaryWarning, match=r"removed 1 leftover .*0\.0 MB"):
        write_text_atomic(final, "new")
    assert not dead.exists() and final.read_text() == "new"


def test_atomic_output_never_replaces_a_folder_by_a_file(tmp_path: Path):
    from i2i.outputs import OutputExistsError

    target = tmp_path / "model.safetensors"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match=r"a folder holding 1 entry \(keep.txt\)"):
        write_text_atomic(target, "weights")
    assert (target / "keep.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    with atomic_output(target, overwrite=True) as temporary:
        temporary.write_text("weights")
    assert target.read_text() == "weights"


def test_remove_live_temporaries_removes_only_unfinished_ones(tmp_path: Path):
    from i2i.atomic import remove_live_temporaries, temporary_sibling

    with atomic_output(tmp_path / "done.txt") as temporary:
        temporary.write_text("done")
    unfinished = temporary_sibling(tmp_path / "half.txt")
    unfinished.write_text("half")
    removed = remove_live_temporaries()
    assert unfinished.absolute() in removed and not unfinished.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["done.txt"]


def test_files_put_in_place_get_the_usual_permissions(tmp_path):
    """safetensors creates its files 0o600: every output i2i moves into place is 0o666 less the
    umask, like any file the user makes (weights, cards, images)."""
    import os

    import torch

    from i2i.atomic import umask
    from i2i.weights import save_weights

    weights = save_weights(tmp_path / "w.safetensors", torch.nn.Linear(2, 2), {})
    assert os.stat(weights).st_mode & 0o777 == 0o666 & ~umask()
