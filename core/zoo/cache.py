"""The zoo's files on this machine: find them, download them, re-verify them.

A model's files live at ``<cache>/models/<model name>/<file name>`` (the cache folder is
``I2I_CACHE_DIR`` or the platform's user cache folder). Downloads go through the shared
downloader :func:`i2i.download.fetch`: mirrors in order, retries, a temporary file, a sha256
check, then an atomic move. Files shipped inside an installed package (``package://`` URLs) or
on a local disk (``file://``) are used where they are, after the same sha256 check, so a model
bundled with i2i works offline on a fresh install. Every use re-hashes the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlparse

from i2i.download import DownloadError, cache_dir, cache_path, fetch, is_lock, is_partial
from i2i.errors import I2IError
from i2i.hashing import sha256_file
from i2i.zoo.card import PACKAGE_SCHEME, ModelCard, ZooFile
from i2i.zoo.manifest import ZooEntry, get_entry, load_manifest

if TYPE_CHECKING:
    from i2i.plugins import PluginHost

MODELS = "models"
_REMOTE = ("http://", "https://")


class ModelUnavailableError(I2IError):
    """A model's weights cannot be had: not published, offline, or every mirror failed."""


def model_file(card: ModelCard, file: ZooFile) -> Path:
    """Where ``file`` of ``card`` is cached; never outside the cache folder."""
    return cache_path(Path(MODELS, card.name, file.name))


def local_source(file: ZooFile) -> Path | None:
    """The first existing local copy of ``file`` named by a ``package://`` or ``file://`` URL."""
    for url in file.urls:
        path = _local_path(url)
        if path is not None and path.is_file():
            return path
    return None


def _local_path(url: str) -> Path | None:
    if url.startswith(PACKAGE_SCHEME):
        return _package_path(url)
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    return None


def _package_path(url: str) -> Path | None:
    """``package://pkg.name/file`` as a path inside the installed package ``pkg.name``."""
    package, _, relative = url[len(PACKAGE_SCHEME) :].partition("/")
    try:
        root = Path(str(resources.files(package))).resolve()
    except (ModuleNotFoundError, TypeError, ValueError):
        return None
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path != root else None


def cache_state(entry: ZooEntry) -> str:
    """``bundled``, ``yes``, ``partly`` or ``no`` (by presence and size; no hashing), or ``-``."""
    card = entry.card
    if card.status != "available":
        return "-"
    states = [_file_state(card, f) for f in card.files]
    if all(s == "bundled" for s in states):
        return "bundled"
    if all(s != "missing" for s in states):
        return "yes"
    return "partly" if any(s != "missing" for s in states) else "no"


def _file_state(card: ModelCard, file: ZooFile) -> Literal["bundled", "cached", "missing"]:
    local = local_source(file)
    if local is not None and local.stat().st_size == file.size:
        return "bundled"
    cached = model_file(card, file)
    return "cached" if cached.is_file() and cached.stat().st_size == file.size else "missing"


def download_model(name: str, *, progress: bool = True, host: PluginHost | None = None) -> Path:
    """Fetch (or find) every verified file of zoo model ``name``; the path of its weights."""
    entry = get_entry(name, host)
    ensure_available(entry)
    paths = {f.name: ensure_file(entry.card, f, progress=progress) for f in entry.card.files}
    return paths[entry.card.weights_file.name]


def ensure_available(entry: ZooEntry) -> None:
    """Raise a clear error when the card has no files to fetch."""
    card = entry.card
    if card.status != "available":
        raise ModelUnavailableError(
            f"Model {card.name!r} has no published weights (status: {card.status}). "
            f"{card.source.strip()} (card from {entry.source}.)"
        )


def ensure_file(card: ModelCard, file: ZooFile, *, progress: bool = True) -> Path:
    """A verified local path of ``file``: shipped in a package, cached, or downloaded now."""
    problems: list[str] = []
    local = local_source(file)
    if local is not None:
        actual = sha256_file(local)
        if actual == file.sha256:
            return local
        problems.append(
            f"the local copy {local} has sha256 {actual}, not {file.sha256} (reinstall the "
            "package that ships it)"
        )
    target = model_file(card, file)
    remote = [url for url in file.urls if url.startswith(_REMOTE)]
    if not remote and not target.is_file():
        raise ModelUnavailableError(
            f"File {file.name!r} of model {card.name!r} has no usable source: its URLs "
            f"{file.urls} are neither reachable local files nor http(s) mirrors."
            + _joined(problems)
        )
    try:
        return fetch(
            remote,
            file.sha256,
            Path(MODELS, card.name, file.name),
            size=file.size,
            progress=progress,
        )
    except DownloadError as exc:
        raise ModelUnavailableError(f"Model {card.name!r}: {exc}" + _joined(problems)) from None


def _joined(problems: list[str]) -> str:
    return f" Also: {'; '.join(problems)}." if problems else ""


@dataclass(frozen=True)
class CachedFile:
    """The result of re-hashing one file of the cache."""

    model: str
    file: str
    path: Path
    status: Literal["ok", "corrupt", "unlisted", "partial"]
    detail: str = ""


def verify_cache(host: PluginHost | None = None) -> list[CachedFile]:
    """Re-hash every file under ``<cache>/models`` against the cards that list it."""
    root = cache_dir() / MODELS
    if not root.is_dir():
        return []
    entries = load_manifest(host)
    results = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        entry = entries.get(folder.name)
        expected = {f.name: f for f in entry.card.files} if entry else {}
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            results.append(_verify_one(folder.name, path, expected.get(path.name)))
    return results


def _verify_one(model: str, path: Path, file: ZooFile | None) -> CachedFile:
    if is_partial(path):
        return CachedFile(model, path.name, path, "partial", "an interrupted download; delete it")
    if is_lock(path):
        detail = "the lock of a running download, or of a killed one; delete it if no i2i runs"
        return CachedFile(model, path.name, path, "partial", detail)
    if file is None:
        return CachedFile(model, path.name, path, "unlisted", "no card in the zoo lists it")
    actual = sha256_file(path)
    if actual != file.sha256:
        detail = f"sha256 {actual}, expected {file.sha256}; 'i2i zoo download {model}' replaces it"
        return CachedFile(model, path.name, path, "corrupt", detail)
    return CachedFile(model, path.name, path, "ok")
