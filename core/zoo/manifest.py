"""The zoo manifest: every model card i2i knows, and where each card came from.

Cards come from three places, in this order:

1. i2i's own ``model_zoo/*.yaml`` (the package ``i2i.model_zoo``);
2. plugins, through the ``i2i_zoo_sources`` hook (YAML files, folders of them, or URLs);
3. the user's extra manifest named by ``I2I_ZOO_MANIFEST`` (a path or an http(s) URL).

A YAML source holds one card (a mapping) or a list of cards, read within the limits of
:mod:`i2i.safe_yaml` (UTF-8, no alias bombs, no key written twice); a manifest from a URL is
read up to ``MAX_MANIFEST_BYTES``, and a plain ``http://`` one is warned about once. File URLs
without a scheme are relative to the source that lists them, so a folder or web directory
holding a card next to its weights can be published as it is. Two cards with the same name are
an error naming both sources.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from i2i.atomic import write_bytes_atomic
from i2i.download import cache_dir, offline, warn_if_insecure
from i2i.errors import I2IError, did_you_mean
from i2i.safe_yaml import YAMLContentError, decode_utf8, load_checked
from i2i.zoo.card import PACKAGE_SCHEME, ModelCard, parse_card

if TYPE_CHECKING:
    from i2i.plugins import PluginHost

MANIFEST_ENV = "I2I_ZOO_MANIFEST"
BUNDLED_PACKAGE = "i2i.model_zoo"
YAML_SUFFIXES = (".yaml", ".yml")
_REMOTE = ("http://", "https://")
MAX_MANIFEST_BYTES = 10_000_000
"""The largest manifest read from a URL (a manifest of cards is a few kB)."""


class ManifestError(I2IError):
    """A zoo source cannot be read, or two sources define the same model."""


class UnknownModelError(I2IError):
    """No card of that name."""


@dataclass(frozen=True)
class ZooEntry:
    """A card with file URLs made absolute, and a description of where it was found."""

    card: ModelCard
    source: str


def load_manifest(host: PluginHost | None = None) -> dict[str, ZooEntry]:
    """Every card by name, from i2i, its plugins and ``I2I_ZOO_MANIFEST``."""
    entries: dict[str, ZooEntry] = {}
    for entry in _all_entries(host):
        name = entry.card.name
        if name in entries:
            raise ManifestError(
                f"Two model cards are called {name!r}: one from {entries[name].source} and one "
                f"from {entry.source}. Rename one of them, or remove the plugin or the "
                f"{MANIFEST_ENV} manifest that repeats it."
            )
        entries[name] = entry
    return entries


def get_entry(name: str, host: PluginHost | None = None) -> ZooEntry:
    """The card called ``name``; an unknown name lists close matches."""
    entries = load_manifest(host)
    if name not in entries:
        raise UnknownModelError(
            f"No model called {name!r} in the zoo.{did_you_mean(name, entries)} "
            "'i2i zoo list' shows every model; a lab's own models are added with "
            f"{MANIFEST_ENV} (see docs/zoo.md)."
        )
    return entries[name]


def _all_entries(host: PluginHost | None) -> list[ZooEntry]:
    entries = _bundled_entries()
    for plugin, location in _plugin_locations(host):
        entries += _entries_from(str(location), f"plugin {plugin!r}")
    extra = os.environ.get(MANIFEST_ENV, "").strip()
    if extra:
        entries += _entries_from(extra, MANIFEST_ENV)
    return entries


def _bundled_entries() -> list[ZooEntry]:
    folder = resources.files(BUNDLED_PACKAGE)
    entries: list[ZooEntry] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if not item.name.endswith(YAML_SUFFIXES):
            continue
        where = f"i2i (model_zoo/{item.name})"
        for data in _as_list(_parsed(item.read_bytes(), where), where):
            card = parse_card(data, where)
            entries.append(ZooEntry(_absolute(card, PACKAGE_SCHEME + BUNDLED_PACKAGE + "/"), where))
    return entries


def _plugin_locations(host: PluginHost | None) -> list[tuple[str, str | Path]]:
    from i2i.plugins import default_host

    host = host or default_host()
    found: list[tuple[str, str | Path]] = []
    for impl in host.manager.hook.i2i_zoo_sources.get_hookimpls():
        for location in cast("list[str | Path]", impl.function() or []):
            found.append((impl.plugin_name, location))
    return found


def _entries_from(location: str, origin: str) -> list[ZooEntry]:
    """Cards of one YAML file, folder or URL given by a plugin or the user."""
    if location.startswith(_REMOTE):
        return _entries_of_text(_read_url(location, origin), location, location, origin)
    path = Path(location).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES)
        return [e for f in files for e in _entries_from(str(f), origin)]
    if not path.is_file():
        raise ManifestError(
            f"{origin} names the zoo source {location!r}, which is neither a file, a folder nor "
            "an http(s) URL. Fix the path, or unset it."
        )
    raw = path.read_bytes()
    return _entries_of_text(raw, path.resolve().as_uri(), str(path), origin)


def _entries_of_text(raw: bytes, base: str, label: str, origin: str) -> list[ZooEntry]:
    where = f"{origin} ({label})"
    data = _parsed(raw, where)
    return [ZooEntry(_absolute(parse_card(d, where), base), where) for d in _as_list(data, where)]


def _parsed(raw: bytes, where: str) -> Any:
    """A manifest's YAML within :mod:`i2i.safe_yaml`'s limits (no alias bombs, unique keys)."""
    try:
        return load_checked(decode_utf8(raw)).data
    except YAMLContentError as exc:
        line = f", line {exc.line}" if exc.line else ""
        raise ManifestError(f"{where}{line}: {exc} Fix the file.") from None


def _as_list(data: Any, where: str) -> list[Any]:
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise ManifestError(
        f"{where}: a zoo manifest holds one model card (a mapping) or a list of cards, "
        f"not {type(data).__name__}. See docs/zoo.md for an example."
    )


def _absolute(card: ModelCard, base: str) -> ModelCard:
    """``card`` with scheme-less file URLs resolved against ``base``."""
    files = [
        f.model_copy(update={"urls": [_join(base, url) for url in f.urls]}) for f in card.files
    ]
    return card.model_copy(update={"files": files})


def _join(base: str, url: str) -> str:
    if "://" in url:
        return url
    if base.startswith(PACKAGE_SCHEME):
        return base + url
    return urllib.parse.urljoin(base, url)


def _read_url(url: str, origin: str) -> bytes:
    """The manifest at ``url``; its last good copy is kept for offline use."""
    copy = cache_dir() / "manifests" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".yaml")
    if offline():
        if copy.is_file():
            return copy.read_bytes()
        raise ManifestError(
            f"{origin} names the manifest {url}, but I2I_OFFLINE is set and no copy of it is in "
            f"the cache ({copy}). Unset I2I_OFFLINE once to fetch it, or point {MANIFEST_ENV} "
            "at a local file."
        )
    warn_if_insecure(url)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            raw = cast("bytes", response.read(MAX_MANIFEST_BYTES + 1))
    except (urllib.error.URLError, OSError) as exc:
        if copy.is_file():
            sys.stderr.write(f"note: could not fetch {url} ({exc}); using the cached copy.\n")
            return copy.read_bytes()
        raise ManifestError(
            f"{origin} names the manifest {url}, which could not be fetched ({exc}). Check the "
            "URL and the network, or use a local copy of the file."
        ) from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"{origin} names the manifest {url}, which is larger than {MAX_MANIFEST_BYTES:,} "
            "bytes; a manifest of model cards is a few kB. Check the URL."
        )
    _parsed(raw, f"{origin} ({url})")  # keep only a copy that can be used
    write_bytes_atomic(copy, raw)
    return raw
