"""Verified downloads into the i2i cache (sample data, model weights).

``fetch(urls, sha256, dest)`` returns the cached file ``dest`` (a path relative to the cache
folder) when it exists with the expected sha256; otherwise it downloads the first URL that
works (mirrors in order, each retried on network errors) to a partial file beside it
(``.<name>.part-<random>``, :func:`i2i.atomic.atomic_output`), verifies its sha256 while
streaming and moves it into place only when it matches, so an interrupted or corrupted download
never leaves a file that looks complete. Supports ``http(s)://`` and ``file://`` URLs.

Environment variables:

``I2I_CACHE_DIR``
    The cache folder (default: the platform's user cache folder for ``i2i``).
``I2I_OFFLINE=1``
    Never download: a file not in the cache is an error.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from i2i.atomic import atomic_output
from i2i.errors import I2IError
from i2i.hashing import sha256_file

CHUNK = 1 << 20
RETRIES = 3
PARTIAL_TAG = "part"
"""The tag of a download's partial file: ``.<name>.part-<random>`` beside the target."""


class DownloadError(I2IError):
    """A file cannot be downloaded, or its content is not what the registry says."""


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
    progress: bool = True,
    root: Path | None = None,
) -> Path:
    """The verified file ``dest`` (under ``root``, default the cache), downloaded if needed."""
    target = cache_path(dest, root)
    expected = sha256.lower()
    if target.is_file() and sha256_file(target) == expected:
        return target
    if offline():
        raise DownloadError(
            f"{target.name} is not in the cache ({target}) and I2I_OFFLINE is set. Unset "
            "I2I_OFFLINE to download it, or copy the file there."
        )
    if not urls:
        raise DownloadError(f"{target.name}: no URL to download it from.")
    target.parent.mkdir(parents=True, exist_ok=True)
    problems = []
    for url in urls:
        try:
            _download_verified(url, expected, target, progress)
            return target
        except DownloadError as exc:
            problems.append(str(exc))
    raise DownloadError(" ".join(problems))


def _download_verified(url: str, expected: str, target: Path, progress: bool) -> None:
    """Download ``url`` to a partial file; it becomes ``target`` only if its sha256 matches."""
    with atomic_output(target, tag=PARTIAL_TAG) as partial:
        actual = _download_with_retries(url, partial, target.name, progress)
        if actual != expected:
            raise DownloadError(
                f"{target.name} downloaded from {url} has sha256 {actual} but {expected} was "
                "expected; the download was deleted. The server may have changed the file or "
                "the transfer was corrupted: try again, use another mirror, or report it."
            )


def _download_with_retries(url: str, partial: Path, label: str, progress: bool) -> str:
    """Download with up to ``RETRIES`` tries on network errors and HTTP 5xx."""
    problem = ""
    for attempt in range(RETRIES):
        if attempt:
            time.sleep(0.5 * 2 ** (attempt - 1))
        try:
            return _download(url, partial, label, progress)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500:
                break
        except (urllib.error.URLError, OSError) as exc:
            problem = str(getattr(exc, "reason", exc))
    raise DownloadError(
        f"{url}: {problem}. Check the network or the URL; set I2I_OFFLINE=1 to use only "
        "cached files."
    )


def _download(url: str, partial: Path, label: str, progress: bool) -> str:
    """Stream ``url`` into ``partial``; the hex sha256 of what was written."""
    digest = hashlib.sha256()
    done = 0
    with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        for chunk in iter(lambda: response.read(CHUNK), b""):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress and total:
                sys.stderr.write(f"\r{label[:60]}: {done * 100 // total}%")
    if progress and total:
        sys.stderr.write("\n")
    if total and done < total:  # the server closed the connection early: retry
        raise OSError(f"connection closed after {done} of {total} bytes")
    return digest.hexdigest()
