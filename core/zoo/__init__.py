"""The model zoo: model cards, verified and cached downloads, export and loading by name.

See ``docs/zoo.md``. ``i2i.load_model(name_or_path)`` is :func:`i2i.zoo.loading.load_model`.
"""

from __future__ import annotations

from i2i.zoo.cache import (
    CachedFile,
    ModelUnavailableError,
    cache_state,
    download_model,
    verify_cache,
)
from i2i.zoo.card import CardError, ModelCard, ZooFile, parse_card
from i2i.zoo.export import export_model
from i2i.zoo.loading import load_model, resolve_weights
from i2i.zoo.manifest import (
    ManifestError,
    UnknownModelError,
    ZooEntry,
    get_entry,
    load_manifest,
)

__all__ = [
    "CachedFile",
    "CardError",
    "ManifestError",
    "ModelCard",
    "ModelUnavailableError",
    "UnknownModelError",
    "ZooEntry",
    "ZooFile",
    "cache_state",
    "download_model",
    "export_model",
    "get_entry",
    "load_manifest",
    "load_model",
    "parse_card",
    "resolve_weights",
    "verify_cache",
]
