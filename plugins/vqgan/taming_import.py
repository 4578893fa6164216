"""``i2i model import-taming``'s work: read a taming-transformers checkpoint safely, convert
it (:mod:`i2i_plugins.vqgan.taming`) and write an i2i safetensors weights file."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, TypedDict

import torch

from i2i.errors import I2IError
from i2i.hashing import sha256_file
from i2i.model import build_model
from i2i.weights import save_weights
from i2i_plugins.vqgan.taming import convert_state_dict


class CheckpointError(I2IError):
    """A checkpoint cannot be read safely or holds no state dict."""


class ImportReport(TypedDict):
    """What an import did: tensors written, tensors adapted (and how), tensors dropped."""

    tensors: int
    adapted: list[str]
    dropped: list[str]


def import_taming(
    checkpoint: Path, model_spec: dict[str, Any], output: Path, metadata: dict[str, Any]
) -> ImportReport:
    """Build ``model_spec``, fill it from ``checkpoint`` and write ``output``; return a report."""
    state = read_checkpoint(checkpoint)
    model = build_model(model_spec)
    conversion = convert_state_dict(state, model.state_dict())
    model.load_state_dict(conversion.state_dict, strict=True)
    source = {
        "format": "taming-transformers",
        "file": checkpoint.name,
        "sha256": sha256_file(checkpoint),
        "adapted": conversion.adapted,
    }
    save_weights(output, model, {**metadata, "model": model.spec, "source": source})
    return {
        "tensors": len(conversion.state_dict),
        "adapted": conversion.adapted,
        "dropped": conversion.dropped,
    }


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The ``state_dict`` of a Lightning checkpoint (or a bare state dict), loaded safely."""
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise CheckpointError(
            f"{path}: refused: the checkpoint cannot be read with torch.load(weights_only=True) "
            f"({str(exc).splitlines()[0]}). It holds pickled objects other than tensors, which "
            "could run code. If you trust it, save its state dict alone in a separate Python "
            "session (torch.save({'state_dict': torch.load(p, weights_only=False)"
            "['state_dict']}, 'clean.ckpt')) and import that file."
        ) from exc
    state = data.get("state_dict", data) if isinstance(data, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(
            f"{path}: no 'state_dict' of tensors found; expected a Lightning checkpoint of "
            "taming-transformers' VQModel (a dict with 'state_dict')."
        )
    return state
