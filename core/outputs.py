"""The rules every output follows: what may be replaced, and what an OS error on it means.

- :func:`check_replaceable`: an existing output is replaced only by one of the same kind (an
  image a reader recognises, for image writers; a file by a file and a folder by a folder, for
  :func:`i2i.atomic.atomic_output`) or when it is empty; anything else (a folder of the user's
  files named ``data.zarr``) only with ``overwrite`` (``--overwrite``), and the error says
  what is there.
- :func:`output_errors`: an :class:`OSError` about an output (its folder, its temporaries, a
  full disk) becomes one :class:`OutputError` naming the output and the cause.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from i2i.errors import I2IError


class OutputError(I2IError):
    """An output cannot be written: it exists, its folder cannot be made or written, the disk is
    full."""


class OutputExistsError(OutputError):
    """Something that is not an earlier output of the same kind is where the output goes."""


def check_replaceable(
    path: Path, kind: str, same_kind: Callable[[Path], bool], overwrite: bool = False
) -> None:
    """Fail unless ``path`` is free, empty, of the same kind (``same_kind(path)``), or
    ``overwrite`` is given. ``kind`` names what is about to be written (``"an OME-Zarr image"``).
    """
    path = Path(path)
    if overwrite or not (path.exists() or path.is_symlink()) or _is_empty(path):
        return
    if not path.is_symlink() and same_kind(path):
        return
    raise OutputExistsError(
        f"{path} exists and is {describe_existing(path)}; i2i replaces only an earlier output "
        f"of the same kind ({kind}) or an empty file or folder. Choose another output name, "
        "move it away, or give --overwrite (overwrite=True) to replace it."
    )


def _is_empty(path: Path) -> bool:
    if path.is_symlink():
        return False
    if path.is_dir():
        return not any(path.iterdir())
    return path.stat().st_size == 0


def describe_existing(path: Path) -> str:
    """What is at ``path``, in words: ``a folder holding 3 entries (a.txt, b.csv, c)``."""
    if path.is_symlink():
        return f"a symbolic link to {path.readlink()}"
    if path.is_dir():
        entries = sorted(p.name for p in path.iterdir())
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        if not entries:
            return "an empty folder"
        count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        return f"a folder holding {count} ({shown})"
    return f"a file of {path.stat().st_size} bytes"


def _blocking_file(path: Path) -> Path | None:
    """The nearest ancestor of ``path`` that exists and is not a folder, if any."""
    for parent in Path(path).absolute().parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def describe_os_error(path: Path, exc: OSError) -> str:
    """One sentence about writing ``path`` that failed with ``exc``, and how to fix it."""
    where = f" ({exc.filename})" if exc.filename and Path(exc.filename) != Path(path) else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "no space left on device" if exc.errno == errno.ENOSPC else "disk quota exceeded"
        return (
            f"{cause} while writing {path}{where}. Free space there or write the output to "
            "another disk; nothing partial was left."
        )
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocking = _blocking_file(path)
        if blocking is not None:
            return (
                f"cannot write {path}: {blocking} is a file, not a folder, so nothing can be "
                "written under it. Choose an output path in a folder."
            )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"cannot write {path}: permission denied{where}. Choose a folder you can write to, "
            "or change its permissions."
        )
    if exc.errno == errno.EROFS:
        return f"cannot write {path}: the file system is read-only{where}. Write it elsewhere."
    return f"cannot write {path}: {exc.strerror or exc}{where}."


def _concerns(path: Path, exc: OSError) -> bool:
    """Whether ``exc`` is about writing ``path``: a full disk, or a file at or above it."""
    if isinstance(exc, OutputError):
        return False
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    if not exc.filename:
        return False
    failed = Path(str(exc.filename)).absolute()
    target = Path(path).absolute()
    return (
        failed == target
        or failed in target.parents
        or (failed.parent == target.parent and failed.name.startswith(f".{target.name}."))
        or target in failed.parents
    )


@contextmanager
def output_errors(path: Path) -> Iterator[None]:
    """Turn an :class:`OSError` about writing ``path`` into an :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if not _concerns(path, exc):
            raise
        raise OutputError(describe_os_error(path, exc)) from exc
