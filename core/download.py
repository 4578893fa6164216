"""Verified downloads into the i2i cache (sample data, model weights).

``fetch(urls, sha256, dest, size=...)`` returns the cached file ``dest`` (a path relative to
the cache folder) when it exists with the expected size and sha256; otherwise it downloads the
first URL that works (mirrors in order, each retried on network errors) to a partial file
beside it (``.<name>.part-<random>``, :func:`i2i.atomic.atomic_output`), verifies its sha256
while streaming and moves it into place only when it matches, so an interrupted or corrupted
download never leaves a file that looks complete. Supports ``http(s)://`` and ``file://`` URLs.

Limits, for files from servers nobody here controls: with a known ``size``, a server that
announces another ``Content-Length`` is refused before reading, and reading stops at
``size + 1`` bytes (an endless stream cannot fill the disk); a size mismatch is reported as
such, before any hash comparison. A full disk is reported as a full disk, not as a network
problem, and stops the download at once. ``http://`` URLs work (the sha256 still guarantees
the content) but each one is warned about once per process (:class:`InsecureURLWarning`).

Concurrent fetches of one file (processes of a job array, threads) take a lock per cache entry
(``filelock``, ``.<name>.lock`` beside the target): the first downloads, the others wait and
then reuse the verified file.

Environment variables:

``I2I_CACHE_DIR``
    The cache folder (default: the platform's user cache folder for ``i2i``).
``I2I_OFFLINE=1``
    Never download: a file not in the cache is an error.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from i2i.atomic import atomic_output
from i2i.errors import I2IError
from i2i.hashing import sha256_file
from i2i.outputs import describe_os_error

CHUNK = 1 << 20
RETRIES = 3
ByteProgress = Callable[[int, int], None]
"""Told ``(bytes done, total bytes)`` as a download streams (total 0: unknown)."""
PARTIAL_TAG = "part"
"""The tag of a download's partial file: ``.<name>.part-<random>`` beside the target."""


LOCK_TAG = "lock"
"""The tag of a download's lock file: ``.<name>.lock`` beside the target."""
LOCK_NOTICE_AFTER = 1.0
"""Seconds of waiting for another process's download before saying so."""
_FULL_DISK = {
    errno.ENOSPC: "no space left on device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file size limit exceeded (ulimit -f)",
}
_warned_urls: set[str] = set()


class DownloadError(I2IError):
    """A file cannot be downloaded, or its content is not what the registry says."""


class LocalWriteError(DownloadError):
    """The download cannot be written on this machine (full disk, permissions): no mirror can
    help, so no other is tried."""


class InsecureURLWarning(UserWarning):
    """A file or manifest is fetched over plain ``http://`` (its sha256 is still checked)."""


def cache_dir() -> Path:
    """The i2i cache folder: ``I2I_CACHE_DIR`` or the platform's user cache folder."""
    override = os.environ.get("I2I_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("i2i"))


def offline() -> bool:
    return os.environ.get("I2I_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def is_partial(path: Path) -> bool:
    """Whether ``path`` is the partial file of an unfinished download.

    Partials are named ``.<name>.part-<random>``; i2i 0.1 named them ``.<name>.<random>.part``,
    and such leftovers in a cache are recognised too.
    """
    name = path.name
    return name.startswith(".") and (f".{PARTIAL_TAG}-" in name or name.endswith(f".{PARTIAL_TAG}"))


def cache_path(dest: str | Path, root: Path | None = None) -> Path:
    """``dest`` under ``root`` (the cache folder by default); names may not leave it."""
    root = (root or cache_dir()).resolve()
    target = (root / dest).resolve()
    if Path(dest).is_absolute() or not target.is_relative_to(root) or target == root:
        raise DownloadError(
            f"refusing to download to {str(dest)!r}: file names must stay inside {root} "
            "(no absolute paths, no '..')."
        )
    return target


def fetch(
    urls: Sequence[str],
    sha256: str,
    dest: str | Path,
    *,
    size: int | None = None,
    progress: bool = True,
    root: Path | None = None,
    label: str | None = None,
    on_bytes: ByteProgress | None = None,
) -> Path:
    """The verified file ``dest`` (under ``root``, default the cache), downloaded if needed.

    ``size`` (bytes), when known, bounds what is read from a server and is checked first.
    ``label`` names the file in the progress line (default: its name, the middle cut when it
    is long, so that the end, which tells files of a series apart, stays). ``on_bytes`` is
    told ``(done, total)`` once the server answers and after each chunk of a download (a
    retry starts again from 0; a cached file is not downloaded, so it is never called).
    """
    target = cache_path(dest, root)
    expected = sha256.lower()
    if _is_verified(target, expected, size):
        return target
    if offline():
        raise _offline_error(target, expected, size)
    if not urls:
        raise DownloadError(f"{target.name}: no URL to download it from.")
    with _local_writes(target, size):
        target.parent.mkdir(parents=True, exist_ok=True)
    shown = (label or _short(target.name)) if progress else None
    with _local_writes(target, size), _entry_lock(target, progress):
        if _is_verified(target, expected, size):  # another process fetched it meanwhile
            return target
        problems = []
        for url in urls:
            warn_if_insecure(url)
            try:
                _download_verified(url, expected, size, target, shown, on_bytes)
                return target
            except LocalWriteError:
                raise
            except DownloadError as exc:
                problems.append(str(exc))
    raise DownloadError(" ".join(problems))


def _is_verified(target: Path, expected: str, size: int | None) -> bool:
    """Whether ``target`` exists with the expected size (when known) and sha256."""
    if not target.is_file():
        return False
    if size is not None and target.stat().st_size != size:
        return False
    return sha256_file(target) == expected


def _offline_error(target: Path, expected: str, size: int | None) -> DownloadError:
    if not target.is_file():
        return DownloadError(
            f"{target.name} is not in the cache ({target}) and I2I_OFFLINE is set. Unset "
            "I2I_OFFLINE to download it, or copy the file there."
        )
    actual_size = target.stat().st_size
    if size is not None and actual_size != size:
        found = f"it has {actual_size} bytes, not {size}"
    else:
        found = f"its sha256 is {sha256_file(target)}, not {expected}"
    return DownloadError(
        f"{target.name} is in the cache ({target}) but corrupt: {found}. I2I_OFFLINE is set, so "
        "it cannot be downloaded again: unset I2I_OFFLINE and run the same command (the "
        "download replaces the corrupt file), or copy a good file there."
    )


def warn_if_insecure(url: str) -> None:
    """Warn once per process for each plain ``http://`` URL that is fetched."""
    if not url.startswith("http://") or url in _warned_urls:
        return
    _warned_urls.add(url)
    warnings.warn(
        InsecureURLWarning(
            f"{url} is fetched over plain http://: anyone on the way can see or alter the "
            "transfer. i2i still checks its sha256, so altered content is refused, but prefer "
            "an https:// mirror."
        ),
        stacklevel=3,
    )


def lock_path(target: Path) -> Path:
    """The lock file of a download of ``target``: ``.<name>.lock`` beside it."""
    return target.with_name(f".{target.name}.{LOCK_TAG}")


def is_lock(path: Path) -> bool:
    """Whether ``path`` is the lock file of a download in progress."""
    return path.name.startswith(".") and path.name.endswith(f".{LOCK_TAG}")


@contextmanager
def _entry_lock(target: Path, progress: bool) -> Iterator[None]:
    """Hold the lock of ``target``'s download; say so when another process holds it.

    The lock file is removed after use, so a cache holds only its files. A process that was
    waiting on a removed lock file may then run beside a newcomer: both find the file already
    verified (the usual case) or, after a failed download, both fetch it, each into its own
    partial file, so nothing worse than the duplicate transfer can happen.
    """
    from filelock import FileLock, Timeout

    path = lock_path(target)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=LOCK_NOTICE_AFTER)
    except Timeout:
        if progress:
            sys.stderr.write(f"{target.name}: waiting for another download of this file...\n")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
        with suppress(OSError):
            path.unlink()


def _short(name: str, width: int = 60) -> str:
    """``name`` with its middle cut to fit ``width`` characters."""
    if len(name) <= width:
        return name
    head = width // 3
    return f"{name[:head]}…{name[len(name) - (width - head - 1) :]}"


def _download_verified(
    url: str,
    expected: str,
    size: int | None,
    target: Path,
    shown: str | None,
    on_bytes: ByteProgress | None = None,
) -> None:
    """Download ``url`` to a partial file; it becomes ``target`` only if its sha256 matches.
    ``shown``: the progress label (None: no progress line)."""
    with _local_writes(target, size), atomic_output(target, tag=PARTIAL_TAG) as partial:
        actual = _download_with_retries(url, partial, size, target.name, shown, on_bytes)
        if actual != expected:
            raise DownloadError(
                f"{target.name} downloaded from {url} has sha256 {actual} but {expected} was "
                "expected; the download was deleted. The server may have changed the file or "
                "the transfer was corrupted: try again, use another mirror, or report it."
            )


def _download_with_retries(
    url: str,
    partial: Path,
    size: int | None,
    label: str,
    shown: str | None,
    on_bytes: ByteProgress | None = None,
) -> str:
    """Download with up to ``RETRIES`` tries on network errors and HTTP 5xx."""
    problem = ""
    for attempt in range(RETRIES):
        if attempt:
            time.sleep(0.5 * 2 ** (attempt - 1))
        try:
            return _download(url, partial, label, shown, size=size, on_bytes=on_bytes)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500:
                break
        except (urllib.error.URLError, _ShortRead) as exc:
            problem = str(getattr(exc, "reason", exc))
        except OSError as exc:
            if exc.errno in _FULL_DISK or exc.filename == str(partial):
                raise  # a local problem: _local_writes reports it
            problem = str(exc)
    raise DownloadError(
        f"{url}: {problem}. Check the network or the URL; set I2I_OFFLINE=1 to use only "
        "cached files."
    )


class _ShortRead(Exception):
    """The server closed the connection before sending all it announced (retried)."""


def _download(
    url: str,
    partial: Path,
    label: str,
    shown: str | None,
    size: int | None = None,
    on_bytes: ByteProgress | None = None,
) -> str:
    """Stream ``url`` into ``partial``, at most ``size`` bytes; the sha256 of what was written.
    ``label`` names the file in errors, ``shown`` in the progress line (None: none);
    ``on_bytes(done, total)`` is told the progress."""
    digest = hashlib.sha256()
    done = 0
    with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
        announced = int(response.headers.get("Content-Length") or 0)
        if size is not None and announced and announced != size:
            raise DownloadError(
                f"{url} is {announced} bytes long (Content-Length) but {label} should be "
                f"{size} bytes; nothing was downloaded. The server holds another file, or the "
                "size in the model card is wrong."
            )
        total = size or announced
        limit = size + 1 if size is not None else None
        if on_bytes is not None:
            on_bytes(0, total)
        while chunk := response.read(CHUNK if limit is None else min(CHUNK, limit - done)):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if size is not None and done > size:
                raise DownloadError(
                    f"{url} sent more than the {size} bytes {label} should have; reading was "
                    "stopped and the download deleted. The server holds another file, or the "
                    "size in the model card is wrong."
                )
            if on_bytes is not None:
                on_bytes(done, total)
            if shown is not None and total:
                sys.stderr.write(f"\r{shown}: {done * 100 // total}%")
    if shown is not None and total:
        sys.stderr.write("\n")
    if total and done < total:  # the server closed the connection early: retry
        raise _ShortRead(f"connection closed after {done} of {total} bytes")
    return digest.hexdigest()


@contextmanager
def _local_writes(target: Path, size: int | None) -> Iterator[None]:
    """Report a failure to write ``target``'s partial file as a :class:`LocalWriteError`."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, urllib.error.URLError):
            raise
        raise LocalWriteError(_local_problem(target, size, exc)) from exc


def _local_problem(target: Path, size: int | None, exc: OSError) -> str:
    folder = target.parent
    if exc.errno in _FULL_DISK:
        free = shutil.disk_usage(folder).free if folder.is_dir() else 0
        needed = f"the file needs {size / 1e6:.1f} MB, " if size else ""
        return (
            f"{_FULL_DISK[exc.errno]} while downloading {target} ({needed}{free / 1e6:.1f} MB "
            "are free there); the partial download was deleted. Free space, or point "
            "I2I_CACHE_DIR at a disk with room."
        )
    return f"{describe_os_error(target, exc)} Or point I2I_CACHE_DIR elsewhere."
