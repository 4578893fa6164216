"""The generic translator ``generator(quantizer(encoder(x)))`` and its weights files.

A model spec is a mapping (or the recipe's ``model`` section)::

    {"in_channels": 1, "out_channels": 1,
     "encoder": {"name": "vqgan", ...},        # optional
     "quantizer": {"name": "vector", ...},     # optional, needs an encoder
     "generator": {"name": "vqgan", ...},
     "discriminator": {"name": "patchgan", ...}}  # optional

Each part is built through its registry: the encoder from ``in_channels``, the quantizer from
the encoder's ``out_channels``, the generator from the latent's channels (or the image's when
there is no encoder) to ``out_channels``, the discriminator from ``out_channels``.

Pyramid encoders (such as ``timm``) return a list of feature maps, shallow to deep, and declare
``feature_channels`` and ``feature_reductions``; the generator is then built with those two
lists as extra keyword arguments and must consume the list (such as ``timm_decoder``).

Weights are safetensors files whose metadata values are JSON strings: ``model`` (the spec),
and whatever the caller adds (``recipe``, ``input_contract``...), plus ``i2i_version``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel
from torch import nn

from i2i._version import __version__
from i2i.errors import I2IError
from i2i.registry import Registries

PARTS = ("encoder", "quantizer", "generator", "discriminator")


class ModelSpecError(I2IError):
    """A model spec is incomplete or its parts do not fit together."""


class WeightsError(I2IError):
    """A weights file cannot be read or does not fit its model."""


class Translator(nn.Module):
    """``generator(quantizer(encoder(x)))``; forward returns ``(prediction, quantizer_loss, logs)``.

    ``quantizer_loss`` is ``None`` without a quantizer. The discriminator, when the spec has
    one, is held here for saving and loading but is not part of ``forward``.
    """

    def __init__(
        self,
        spec: dict[str, Any],
        generator: nn.Module,
        encoder: nn.Module | None = None,
        quantizer: nn.Module | None = None,
        discriminator: nn.Module | None = None,
    ):
        super().__init__()
        self.spec = spec
        self.in_channels = int(spec["in_channels"])
        self.out_channels = int(spec["out_channels"])
        self.encoder = encoder
        self.quantizer = quantizer
        self.generator = generator
        self.discriminator = discriminator

    @property
    def size_multiple(self) -> int:
        """Input sides must be multiples of this (the parts' downsampling)."""
        factors = [
            int(getattr(part, attribute, 1))
            for part in (self.encoder, self.generator)
            for attribute in ("downsample_factor", "size_multiple")
            if part is not None
        ]
        return math.lcm(1, *factors)

    def last_layer_weight(self) -> torch.Tensor | None:
        """The generator's output-layer weight (for the GAN loss's adaptive weight)."""
        last = getattr(self.generator, "last_layer", None)
        return last if isinstance(last, torch.Tensor) else None

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, float]]:
        latent: Any = x if self.encoder is None else self.encoder(x)
        loss, logs = None, {}
        if self.quantizer is not None:
            latent, loss, logs = self.quantizer(latent)
        return self.generator(latent), loss, logs


def spec_dict(spec: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """A model spec as plain JSON-able data (``None`` parts dropped)."""
    data = spec.model_dump(mode="json") if isinstance(spec, BaseModel) else dict(spec)
    return {key: value for key, value in data.items() if value is not None}


def build_model(
    spec: BaseModel | Mapping[str, Any], registries: Registries | None = None
) -> Translator:
    """The :class:`Translator` of a model spec (see the module docstring)."""
    data = spec_dict(spec)
    for key in ("in_channels", "out_channels", "generator"):
        if key not in data:
            raise ModelSpecError(
                f"The model spec has no {key!r}; a spec needs in_channels, out_channels and a "
                "generator (plus optional encoder, quantizer, discriminator)."
            )
    if "quantizer" in data and "encoder" not in data:
        raise ModelSpecError(
            "The model spec has a quantizer but no encoder; add model.encoder or remove "
            "model.quantizer."
        )
    if registries is None:
        from i2i.plugins import get_registries

        registries = get_registries()
    return _assemble(data, registries)


def _assemble(data: dict[str, Any], registries: Registries) -> Translator:
    in_channels, out_channels = int(data["in_channels"]), int(data["out_channels"])
    encoder = quantizer = discriminator = None
    latent_channels, context = in_channels, {}
    if "encoder" in data:
        encoder = registries.encoders.create(data["encoder"], in_channels=in_channels)
        latent_channels = int(encoder.out_channels)
        if hasattr(encoder, "feature_channels"):
            context = {
                "feature_channels": list(encoder.feature_channels),
                "feature_reductions": list(encoder.feature_reductions),
            }
    if "quantizer" in data:
        if context:
            raise ModelSpecError(
                f"Encoder {data['encoder']['name']!r} returns a feature pyramid, which a "
                "quantizer cannot quantize; remove model.quantizer or use a single-latent "
                "encoder such as vqgan."
            )
        quantizer = registries.quantizers.create(data["quantizer"], channels=latent_channels)
    generator = registries.generators.create(
        data["generator"], in_channels=latent_channels, out_channels=out_channels, **context
    )
    if "discriminator" in data:
        discriminator = registries.discriminators.create(
            data["discriminator"], in_channels=out_channels
        )
    return Translator(data, generator, encoder, quantizer, discriminator)


def parameter_counts(model: nn.Module) -> dict[str, int]:
    """Trainable parameters of each part of a translator, and their total."""
    counts = {
        part: sum(p.numel() for p in module.parameters() if p.requires_grad)
        for part in PARTS
        if (module := getattr(model, part, None)) is not None
    }
    counts["total"] = sum(counts.values())
    return counts


# ---------------------------------------------------------------------- weights files
def save_weights(path: str | Path, model: nn.Module, metadata: Mapping[str, Any]) -> Path:
    """Write ``model``'s state dict to a safetensors file, atomically.

    Every metadata value is stored as a JSON string; ``model`` (the spec, for a
    :class:`Translator`) and ``i2i_version`` are added when absent.
    """
    from safetensors.torch import save_file

    path = Path(path)
    entries = dict(metadata)
    if isinstance(model, Translator):
        entries.setdefault("model", model.spec)
    entries.setdefault("i2i_version", __version__)
    header = {key: json.dumps(value) for key, value in entries.items()}
    tensors = {name: t.detach().cpu().contiguous().clone() for name, t in _state(model).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        save_file(tensors, temporary, metadata=header)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
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
        raise WeightsError(
            f"{path}: not a readable safetensors file ({exc}). i2i weights are .safetensors "
            "files written by 'i2i run' or 'i2i model import-taming'."
        ) from exc
    metadata = {}
    for key, value in raw.items():
        try:
            metadata[key] = json.loads(value)
        except json.JSONDecodeError:
            metadata[key] = value
    return state, metadata


def _safe_open(path: Path) -> Any:
    from safetensors import safe_open

    return safe_open(str(path), framework="pt")


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


def load_model(
    path: str | Path, registries: Registries | None = None
) -> tuple[Translator, dict[str, Any]]:
    """Rebuild the translator of a weights file and load its weights: ``(model, metadata)``.

    Weights of parts the stored spec does not build (a discriminator saved beside a spec that
    was exported without one) are an error, as are missing weights.
    """
    state, metadata = load_weights(path)
    model = build_model(model_spec_of(metadata, path), registries)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise WeightsError(
            f"{path}: the weights do not fit the model their metadata describes (missing: "
            f"{_few(missing)}; unexpected: {_few(unexpected)}). The file was written by another "
            "version of the model's plugin, or edited."
        )
    return model.eval(), metadata


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "") or (
        "none"
    )
