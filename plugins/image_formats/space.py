"""Outputs on a full disk: space reserved before a buffer is mapped, and write errors named.

A memory-mapped buffer on a sparse file gets its disk blocks only when a page is first written;
on a full file system that write cannot fail with an error and the kernel kills the process
with SIGBUS instead. :func:`reserve` allocates the whole file up front (``posix_fallocate``),
so a full disk is an ``OSError`` before anything is mapped. :func:`disk_errors` turns the
``OSError`` of a full disk (``ENOSPC``, ``EDQUOT``) or of a file-size limit (``EFBIG``: the file
system's or the process's ``RLIMIT_FSIZE``) into a :class:`~i2i.image.DiskFullError` naming the
output, the space it needs and the space that is free.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from i2i.image import DiskFullError

FULL_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""The errors of an output that does not fit: no space, quota exceeded, file too large."""


def megabytes(nbytes: int) -> str:
    """``nbytes`` in MB for messages (at least 1 MB when not zero)."""
    return f"{max(1, round(nbytes / 1e6)) if nbytes else 0}"


def disk_full_error(path: Path, needed_bytes: int, cause: OSError) -> DiskFullError:
    """The error of an output at ``path`` that needs about ``needed_bytes`` and did not fit."""
    try:
        free = f", {megabytes(shutil.disk_usage(_existing_folder(path)).free)} MB free there"
    except OSError:
        free = ""
    reason = os.strerror(cause.errno) if cause.errno is not None else str(cause)
    if cause.errno == errno.EFBIG:
        reason += ": larger than the file system or this process's file-size limit (ulimit -f)"
    return DiskFullError(
        f"no space left on device while writing {path} (needed about "
        f"{megabytes(needed_bytes)} MB{free}; the system said: {reason}). Nothing was left "
        "behind. Free some space, or write the output to another disk."
    )


@contextmanager
def disk_errors(path: Path, needed_bytes: int) -> Iterator[None]:
    """Raise a :class:`DiskFullError` for ``path`` when the block fails on a full disk."""
    try:
        yield
    except OSError as exc:
        if exc.errno in FULL_DISK_ERRNOS:
            raise disk_full_error(path, needed_bytes, exc) from exc
        raise


def reserve(path: Path, nbytes: int) -> None:
    """Allocate ``nbytes`` of disk blocks for the existing file ``path`` (raises when full).

    Does nothing where the platform has no ``posix_fallocate`` or the file system cannot
    allocate (``EOPNOTSUPP``; glibc already emulates it for most).
    """
    if nbytes <= 0 or not hasattr(os, "posix_fallocate"):
        return
    descriptor = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(descriptor, 0, nbytes)
    except OSError as exc:
        if exc.errno != errno.EOPNOTSUPP:
            raise
    finally:
        os.close(descriptor)


@contextmanager
def too_large_as_efbig() -> Iterator[None]:
    """Report ``EINVAL`` of creating a file beyond the file system's largest as ``EFBIG``."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG)) from exc
        raise


def _existing_folder(path: Path) -> Path:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
