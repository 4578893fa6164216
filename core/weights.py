"""Weights files: a model's state dict in safetensors, with JSON metadata beside it.

Every metadata value is stored as a JSON string: ``model`` (the spec of a
:class:`~i2i.model.Translator`), whatever the caller adds (``recipe``, ``input_contract``,
``step``...), and ``i2i_version``. Files are written atomically (:mod:`i2i.atomic`) and read
without unpickling anything. Rebuilding the translator a file describes is
:func:`i2i.model.load_translator`; this module knows files, not model assembly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import torch
from torch import nn

from i2i._version import __version__
from i2i.atomic import atomic_output
from i2i.errors import I2IError

if TYPE_CHECKING:
    from safetensors import safe_open


class WeightsError(I2IError):
    """A weights file cannot be read or does not fit its model."""


@runtime_checkable
class SpecifiedModel(Protocol):
    """A module that carries the spec it was built from (a :class:`~i2i.model.Translator`)."""

    spec: dict[str, Any]


def save_weights(path: str | Path, model: nn.Module, metadata: Mapping[str, Any]) -> Path:
    """Write ``model``'s state dict to a safetensors file, atomically; return ``path``.

    Every metadata value is stored as a JSON string; ``model`` (the spec of a model that
    carries one) and ``i2i_version`` are added when absent. A failed write leaves neither the
    file nor a temporary behind.
    """
    from safetensors.torch import save_file

    path = Path(path)
    entries = dict(metadata)
    if isinstance(model, SpecifiedModel):
        entries.setdefault("model", model.spec)
    entries.setdefault("i2i_version", __version__)
    header = {key: json.dumps(value) for key, value in entries.items()}
    tensors = {name: t.detach().cpu().contiguous().clone() for name, t in _state(model).items()}
    with atomic_output(path) as temporary:
        save_file(tensors, str(temporary), metadata=header)
    return path


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor for name, tensor in model.state_dict().items() if tensor is not None}


def load_weights(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """``(state_dict, metadata)`` of a safetensors file written by :func:`save_weights`."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file. Check the path.")
    try:
        state = load_file(str(path))
        with _safe_open(path) as handle:
            raw = handle.metadata() or {}
    except SafetensorError as exc:
        raise _unreadable(path, exc) from exc
    return state, _decoded(raw)


@dataclass(frozen=True)
class WeightsHeader:
    """What a weights file says without reading its tensors: metadata and tensor shapes."""

    metadata: dict[str, Any]
    shapes: dict[str, tuple[int, ...]]


def read_header(path: str | Path) -> WeightsHeader:
    """The metadata and tensor shapes of a safetensors file; no tensor is loaded.

    Lets a caller check what a file describes (a model to build, tensors to expect) before
    allocating anything for it.
    """
    from safetensors import SafetensorError

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file. Check the path.")
    try:
        with _safe_open(path) as handle:
            raw = handle.metadata() or {}
            names: list[str] = list(handle.keys())
            shapes = {name: tuple(handle.get_slice(name).get_shape()) for name in names}
    except SafetensorError as exc:
        raise _unreadable(path, exc) from exc
    return WeightsHeader(_decoded(raw), shapes)


def _unreadable(path: Path, exc: Exception) -> WeightsError:
    return WeightsError(
        f"{path}: not a readable safetensors file ({exc}). i2i weights are .safetensors "
        "files written by 'i2i run' or 'i2i model import-taming'."
    )


def _safe_open(path: Path) -> safe_open:
    from safetensors import safe_open

    return safe_open(str(path), framework="pt")


def _decoded(raw: Mapping[str, str]) -> dict[str, Any]:
    """Metadata values parsed as JSON (a value that is not JSON is kept as its string)."""
    metadata: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            metadata[key] = json.loads(value)
        except (json.JSONDecodeError, RecursionError):  # not JSON, or nested absurdly deep
            metadata[key] = value
    return metadata


def model_spec_of(metadata: Mapping[str, Any], source: str | Path) -> dict[str, Any]:
    """The model spec stored in a weights file's metadata (``model``, or ``recipe.model``)."""
    spec = metadata.get("model")
    if spec is None and isinstance(metadata.get("recipe"), Mapping):
        spec = metadata["recipe"].get("model")
    if not isinstance(spec, Mapping):
        raise WeightsError(
            f"{source}: the file's metadata holds no model spec ('model' or 'recipe.model'), "
            "so the model cannot be rebuilt; export it again with i2i 'run' or 'model "
            "import-taming'."
        )
    return dict(spec)
