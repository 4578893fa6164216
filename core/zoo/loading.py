"""``i2i.load_model(name_or_path)``: a ready model from a zoo name, a weights file or a run folder.

Resolve, fetch, verify, then load — each a small step: :func:`resolve_weights` turns the
argument into a local, verified ``.safetensors`` file (downloading a zoo model when needed) and
:func:`i2i.model.load_translator` rebuilds the model from the spec stored in the file's metadata.
Weights are only ever read with safetensors; nothing is unpickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from i2i.errors import I2IError, did_you_mean
from i2i.zoo.card import is_zoo_name

if TYPE_CHECKING:
    from torch import nn

RUN_FOLDER_WEIGHTS = ("best.safetensors", "last.safetensors")


class ModelNotFoundError(I2IError):
    """A model name or path does not lead to weights."""


def load_model(
    name_or_path: str | Path, *, device: str = "cpu", progress: bool = True
) -> nn.Module:
    """The model named by a zoo name, a ``.safetensors`` file or a run folder, in eval mode.

    A zoo model is downloaded into the cache first when needed (``I2I_OFFLINE=1``: cache
    only). The model is rebuilt from the spec stored in the file's metadata with the installed
    plugins; the metadata itself is ``i2i.weights.load_weights(resolve_weights(...))[1]``.
    """
    from i2i.model import load_translator

    model, _ = load_translator(resolve_weights(name_or_path, progress=progress))
    return model.to(device)


def resolve_weights(name_or_path: str | Path, *, progress: bool = True) -> Path:
    """The local, verified weights file named by a path, a run folder or a zoo model name."""
    path = Path(name_or_path).expanduser()
    if path.exists():
        return local_weights(path)
    text = str(name_or_path)
    if not is_zoo_name(text):
        raise ModelNotFoundError(
            f"{text}: no such file or folder. Give a .safetensors file, a training run folder "
            "(runs/<recipe>/<time>/) or a model name from 'i2i zoo list'."
        )
    from i2i.zoo.cache import download_model
    from i2i.zoo.manifest import load_manifest

    names = load_manifest()
    if text not in names:
        raise ModelNotFoundError(
            f"{text!r} is neither a file or folder nor a model of the zoo."
            f"{did_you_mean(text, names)} 'i2i zoo list' shows the models; a path must exist."
        )
    return download_model(text, progress=progress)


def local_weights(path: Path) -> Path:
    """The weights of a ``.safetensors`` file or a run folder (``best``, else ``last``)."""
    if path.is_dir():
        for name in RUN_FOLDER_WEIGHTS:
            if (path / name).is_file():
                return path / name
        raise ModelNotFoundError(
            f"{path}: this folder has no {' or '.join(RUN_FOLDER_WEIGHTS)}; give a training run "
            "folder (runs/<recipe>/<time>/) that has saved weights, or a .safetensors file."
        )
    if path.suffix != ".safetensors":
        raise ModelNotFoundError(
            f"{path}: models are loaded from .safetensors files only (never pickles). Convert "
            "an authors' checkpoint with 'i2i model import-taming', or give a run folder."
        )
    return path
