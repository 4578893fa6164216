"""Atomic outputs: write under a hidden temporary name beside the target, then move into place.

The one home of atomic writes in i2i: weights, checkpoints, logs, panels, downloads, zoo
manifests and every image writer use it. A crash or an exception never leaves a half-written
file under the final name: the temporary file or folder is removed on error, and an existing
output is replaced only once the new one is complete (a folder is swapped by two renames, the
old one deleted afterwards). Temporary names are ``.<name>.<tag>-<random>`` in the target's
folder (the same file system, so the final rename is atomic).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_sibling(path: Path, tag: str = "tmp") -> Path:
    """A fresh hidden name in ``path``'s folder: ``.<name>.<tag>-<random>``."""
    return path.with_name(f".{path.name}.{tag}-{secrets.token_hex(4)}")


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def move_into_place(temporary: Path, final: Path) -> None:
    """Rename ``temporary`` to ``final``, replacing what is there (file or folder) safely."""
    if not (final.exists() or final.is_symlink()):
        os.replace(temporary, final)
        return
    if not final.is_dir() and not temporary.is_dir():
        os.replace(temporary, final)  # atomic for files on one file system
        return
    backup = temporary_sibling(final, "old")
    os.replace(final, backup)
    try:
        os.replace(temporary, final)
    except BaseException:
        os.replace(backup, final)
        raise
    remove(backup)


@contextmanager
def atomic_output(final: Path, tag: str = "tmp") -> Iterator[Path]:
    """Yield a temporary path to write; on success move it to ``final``, on error delete it."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_sibling(final, tag)
    try:
        yield temporary
        move_into_place(temporary, final)
    except BaseException:
        remove(temporary)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    with atomic_output(Path(path)) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    return write_bytes_atomic(path, text.encode("utf-8"))
