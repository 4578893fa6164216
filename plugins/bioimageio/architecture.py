"""The architecture of a package's ``pytorch_state_dict`` weights: an importable i2i callable.

bioimage.io's ``pytorch_state_dict`` format names a callable that builds the network and the
keyword arguments to call it with (``architecture: {callable, import_from, kwargs}`` in spec
0.5), then loads ``torch.load(weights, weights_only=True)`` into it (bioimageio.core's PyTorch
adapter, strict). Here the callable is :func:`prediction_model` of this module, its one keyword
argument ``model`` the i2i model spec with each component's parameters resolved (defaults
filled in, so a later plugin default does not change the architecture), and the weights are
the state dict of that module: the i2i weights' tensors (without the discriminator, which
prediction does not use) under ``translator.``. Building it needs i2i installed where the
package runs (``pip install i2i-microscopy``); i2i itself never loads these pickled weights.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

CALLABLE = "prediction_model"
IMPORT_FROM = "i2i_plugins.bioimageio.architecture"
PARTS = ("encoder", "quantizer", "generator")
"""The parts prediction runs; a spec's discriminator is left out of the architecture."""
STATE_PREFIX = "translator."


class PredictionOnly(nn.Module):
    """``translator(x)[0]``: the prediction, without the quantizer's loss and logs."""

    def __init__(self, translator: nn.Module):
        super().__init__()
        self.translator = translator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output = self.translator(x)  # (B, C_out, H, W) first, then the quantizer's loss, logs
        prediction: torch.Tensor = output[0] if isinstance(output, tuple | list) else output
        return prediction


def prediction_model(model: Mapping[str, Any]) -> PredictionOnly:
    """The i2i model of the spec ``model``, returning its prediction (the package's callable)."""
    from i2i.model import build_model

    return PredictionOnly(build_model(model)).eval()


def architecture_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` for :func:`prediction_model`: channels and the predicting parts, each with all
    its parameters; ``pretrained`` off (the state dict holds the trained weights, so building
    the architecture never downloads any)."""
    from i2i.plugins import get_registries

    registries = get_registries()
    resolved: dict[str, Any] = {k: int(spec[k]) for k in ("in_channels", "out_channels")}
    for part in PARTS:
        if not isinstance(spec.get(part), Mapping):
            continue
        entry = dict(spec[part])
        name = entry.pop("name")
        component = registries.kind(f"{part}s").get(name)
        params = component.validate_params(entry).model_dump(mode="json")
        if params.get("pretrained") is True:
            params["pretrained"] = False
        resolved[part] = {"name": name, **params}
    return resolved


def state_dict_bytes(translator: nn.Module) -> bytes:
    """``torch.save`` of the prediction module's state dict: tensors only (what
    ``torch.load(..., weights_only=True)`` accepts), each in its own storage."""
    state = {
        name: tensor.detach().cpu().clone()
        for name, tensor in PredictionOnly(translator).state_dict().items()
        if not name.startswith(f"{STATE_PREFIX}discriminator.")
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def run_state_dict(data: bytes, spec: Mapping[str, Any], x: np.ndarray) -> np.ndarray:
    """The weights ``data`` applied to ``x`` (B, C, H, W) on the CPU as bioimageio.core does:
    the callable imported by name, called with ``model=spec``, the weights loaded strictly with
    ``weights_only=True`` (tensors only; nothing else is unpickled)."""
    import importlib

    build = getattr(importlib.import_module(IMPORT_FROM), CALLABLE)
    module = build(model=spec)
    state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    module.load_state_dict(state, strict=True)
    with torch.no_grad():
        result: np.ndarray = module.eval()(torch.from_numpy(x)).numpy()
    return result
