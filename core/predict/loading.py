"""``load_predictor``: one way to get a ready predictor from a weights file, run folder or name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.errors import I2IError
from i2i.predict.predictor import Predictor

RUN_FOLDER_WEIGHTS = ("best.safetensors", "last.safetensors")


class ModelNotFoundError(I2IError):
    """A model name or path does not lead to weights."""


def resolve_weights(name_or_path: str | Path) -> Path:
    """The safetensors file named by a file path, a run folder, or (later) a zoo name."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        for name in RUN_FOLDER_WEIGHTS:
            if (path / name).is_file():
                return path / name
        raise ModelNotFoundError(
            f"{path}: this folder has no {' or '.join(RUN_FOLDER_WEIGHTS)}; give a training run "
            "folder (runs/<recipe>/<time>/) that finished, or a .safetensors file."
        )
    if path.is_file():
        if path.suffix != ".safetensors":
            raise ModelNotFoundError(
                f"{path}: models are loaded from .safetensors files (never pickles); export "
                "the model with 'i2i zoo export' or use a run folder's best.safetensors."
            )
        return path
    if path.suffix or len(path.parts) > 1:
        raise ModelNotFoundError(f"{path}: no such file or folder. Check the model path.")
    raise ModelNotFoundError(
        f"Unknown model {str(name_or_path)!r}: it is not a file or folder, and model names from "
        "the zoo are not available in this installation. Give a .safetensors file or a "
        "training run folder."
    )


def load_predictor(name_or_path: str | Path, **options: Any) -> Predictor:
    """A :class:`Predictor` for the model at ``name_or_path`` with ``options`` (tile_size ...)."""
    weights = resolve_weights(name_or_path)
    from i2i.predict.weights import load_model_and_contract

    model, contract = load_model_and_contract(weights)
    return Predictor(model, contract, **options)
