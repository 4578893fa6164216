"""Atomic outputs: write under a hidden temporary name beside the target, then move into place.

The one home of atomic writes in i2i: weights, checkpoints, logs, panels, downloads, zoo
manifests and every image writer use it. A crash or an exception never leaves a half-written
file under the final name: the temporary file or folder is removed on error, and an existing
output is replaced only once the new one is complete (a folder is swapped by two renames, the
old one deleted afterwards), and only when it may be (:func:`i2i.outputs.check_replaceable`).

Temporary names are ``.<name>.<tag>-<random>-p<pid>-<host>`` in the target's folder (the same
file system, so the final rename is atomic). The process id and host name say whose a
temporary is: a process that is killed (SIGKILL, power loss) leaves its temporaries behind,
and the next write of the same output removes those whose process is gone
(:func:`remove_stale_temporaries`), never one of a writer still running. SIGTERM is caught by
the command line (:func:`removing_temporaries_on_sigterm`), which removes this process's
temporaries before it exits.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from i2i.outputs import check_replaceable

SIGTERM_EXIT_CODE = 128 + signal.SIGTERM
"""The exit status of a command stopped by SIGTERM (the shell's convention)."""

_LIVE: set[Path] = set()
"""Temporaries this process made and has not yet removed or moved into place."""


class StaleTemporaryWarning(UserWarning):
    """Leftover temporaries of an interrupted write were removed."""


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24]


def temporary_sibling(path: Path, tag: str = "tmp") -> Path:
    """A fresh hidden name in ``path``'s folder: ``.<name>.<tag>-<random>-p<pid>-<host>``."""
    temporary = path.with_name(
        f".{path.name}.{tag}-{secrets.token_hex(4)}-p{os.getpid()}-{_host()}"
    )
    _LIVE.add(temporary.absolute())
    return temporary


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    _LIVE.discard(path.absolute())
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def umask() -> int:
    """The process's umask, read without changing it (Linux), else set and restored."""
    try:
        found = re.search(r"^Umask:\s*([0-7]+)", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        found = None
    if found is not None:
        return int(found.group(1), 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def normal_permissions(path: Path) -> None:
    """Give ``path`` the permissions of a newly made file (``0o666``) or folder (``0o777``) less
    the umask: libraries such as safetensors create their files ``0o600``."""
    path.chmod((0o777 if path.is_dir() else 0o666) & ~umask())


def move_into_place(temporary: Path, final: Path) -> None:
    """Rename ``temporary`` to ``final``, replacing what is there (file or folder) safely; a
    file gets the usual permissions (:func:`normal_permissions`)."""
    _LIVE.discard(temporary.absolute())
    if temporary.is_file():
        normal_permissions(temporary)
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
def atomic_output(final: Path, tag: str = "tmp", *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it to ``final``, on error delete it.

    Stale temporaries of ``final`` (of processes that are gone) are removed first. An existing
    ``final`` is replaced by one of the same kind (a file by a file, a folder by a folder) or
    when it is empty; anything else only with ``overwrite``
    (:class:`~i2i.outputs.OutputExistsError` otherwise, and the new output is deleted).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    report_removed(final, remove_stale_temporaries(final))
    temporary = temporary_sibling(final, tag)
    try:
        yield temporary
        check_replaceable(
            final,
            "a folder" if temporary.is_dir() else "a file",
            lambda existing: existing.is_dir() == temporary.is_dir(),
            overwrite,
        )
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


# -- leftovers of interrupted writes ---------------------------------------------------------


def _owner(temporary: Path, final: Path) -> tuple[int, str] | None:
    """The (pid, host) a temporary of ``final`` names, or ``None`` when it is not one of them."""
    prefix = f".{final.name}."
    if not temporary.name.startswith(prefix):
        return None
    match = re.fullmatch(
        r"[A-Za-z]+-[0-9a-f]{8}-p(?P<pid>\d+)-(?P<host>[A-Za-z0-9]*)",
        temporary.name[len(prefix) :],
    )
    return None if match is None else (int(match["pid"]), match["host"])


def _process_is_gone(pid: int) -> bool:
    if os.name == "nt":  # no signal-0 probe on Windows: never assume a writer is gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process
        return False
    return False


def stale_temporaries(final: Path) -> list[Path]:
    """The temporaries of ``final`` left by processes of this host that no longer run.

    A temporary of a running process (this one included) or of another host (a cluster node
    writing to a shared folder) is never stale; nor is a name without a process id.
    """
    folder = Path(final).parent
    if not folder.is_dir():
        return []
    stale = []
    for entry in sorted(folder.iterdir()):
        owner = _owner(entry, Path(final))
        mine = owner is not None and owner[1] == _host() and owner[0] != os.getpid()
        if mine and owner is not None and _process_is_gone(owner[0]):
            stale.append(entry)
    return stale


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(p.lstat().st_size for p in path.rglob("*"))
    return path.lstat().st_size


def remove_stale_temporaries(final: Path) -> list[tuple[Path, int]]:
    """Delete the stale temporaries of ``final``; return each with its size in bytes."""
    removed = []
    for entry in stale_temporaries(final):
        size = _size(entry)
        remove(entry)
        removed.append((entry, size))
    return removed


def report_removed(final: Path, removed: list[tuple[Path, int]]) -> None:
    """Warn (:class:`StaleTemporaryWarning`) about the leftovers removed before writing."""
    if not removed:
        return
    listed = ", ".join(f"{path.name} ({size / 1e6:.1f} MB)" for path, size in removed)
    warnings.warn(
        f"{final}: removed {len(removed)} leftover temporary file(s) of an interrupted write "
        f"(its process is gone): {listed}.",
        StaleTemporaryWarning,
        stacklevel=3,
    )


# -- SIGTERM ---------------------------------------------------------------------------------


def remove_live_temporaries() -> list[Path]:
    """Delete every temporary this process is writing; return those that existed."""
    removed = [path for path in sorted(_LIVE) if path.exists() or path.is_symlink()]
    for path in list(_LIVE):
        remove(path)
    return removed


def _stop(number: int, frame: FrameType | None) -> None:
    removed = remove_live_temporaries()
    listed = "".join(f"\ni2i: removed the partial output {path}" for path in removed)
    sys.stderr.write(f"\ni2i: {signal.Signals(number).name} received; stopping.{listed}\n")
    raise SystemExit(SIGTERM_EXIT_CODE)


@contextmanager
def removing_temporaries_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM removes this process's temporaries, reports them and exits 143.

    Installed by the command line for every command (training installs its own handler, which
    checkpoints, for the duration of the loop). Outside the main thread nothing is installed.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
