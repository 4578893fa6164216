"""Model assembly: the generic translator ``generator(quantizer(encoder(x)))`` from a spec.

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

Weights files (safetensors with the spec in their metadata) are written and read by
:mod:`i2i.weights`; :func:`load_translator` rebuilds the translator a weights file describes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ValidationError
from torch import nn

from i2i.errors import I2IError, validation_problems
from i2i.model_budget import build_within_budget
from i2i.registry import Registries
from i2i.weights import WeightsError, load_weights, model_spec_of, read_header

PARTS = ("encoder", "quantizer", "generator", "discriminator")


class ModelSpecError(I2IError):
    """A model spec is incomplete or its parts do not fit together."""


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
    ) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, torch.Tensor | float]]:
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


def load_translator(
    path: str | Path, registries: Registries | None = None, *, max_parameters: int | None = None
) -> tuple[Translator, dict[str, Any]]:
    """Rebuild the translator of a weights file and load its weights: ``(model, metadata)``.

    The file may come from anywhere, so nothing is allocated for it before it is checked: the
    model its metadata describes is first built on the meta device and refused beyond
    ``max_parameters`` (default ``I2I_MAX_MODEL_PARAMETERS``, see :mod:`i2i.model_budget`),
    then the file's tensor names and shapes must be exactly the model's. Weights of parts the
    stored spec does not build (a discriminator saved beside a spec exported without one) are
    an error, as are missing weights.
    """
    header = read_header(path)
    spec = model_spec_of(header.metadata, path)
    skeleton = build_within_budget(
        lambda: _build_stored(spec, registries, path), path, max_parameters
    )
    _check_tensors_fit(skeleton, header.shapes, path)
    on_meta = any(t.is_meta for t in skeleton.state_dict().values())
    model = _build_stored(spec, registries, path) if on_meta else skeleton
    state, metadata = load_weights(path)
    model.load_state_dict(state)
    return model.eval(), metadata


def _build_stored(
    spec: dict[str, Any], registries: Registries | None, path: str | Path
) -> Translator:
    """:func:`build_model` of a spec read from ``path``; invalid parameters name the file."""
    try:
        return build_model(spec, registries)
    except ValidationError as exc:
        raise WeightsError(
            f"{path}: the model spec in the file's metadata is invalid "
            f"({validation_problems(exc, 'model')}). The file was written by another version "
            "of the model's plugin, or edited."
        ) from None


def _check_tensors_fit(
    model: nn.Module, shapes: Mapping[str, tuple[int, ...]], path: str | Path
) -> None:
    """The file's tensors must be exactly the model's, name by name and shape by shape."""
    expected = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    missing = [name for name in expected if name not in shapes]
    unexpected = [name for name in shapes if name not in expected]
    wrong = [
        f"{name} {list(shapes[name])} instead of {list(shape)}"
        for name, shape in expected.items()
        if name in shapes and shapes[name] != shape
    ]
    if missing or unexpected or wrong:
        raise WeightsError(
            f"{path}: the weights do not fit the model their metadata describes (missing: "
            f"{_few(missing)}; unexpected: {_few(unexpected)}; other shape: {_few(wrong)}). The "
            "file was written by another version of the model's plugin, or edited."
        )


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "") or (
        "none"
    )


def load_model(
    path: str | Path, registries: Registries | None = None
) -> tuple[Translator, dict[str, Any]]:
    """Deprecated name of :func:`load_translator` (``i2i.load_model`` is the zoo's loader).

    Kept for one release; it warns and calls :func:`load_translator`.
    """
    warnings.warn(
        "i2i.model.load_model is deprecated and will be removed in the next release; use "
        "i2i.model.load_translator (same arguments, same result). i2i.load_model is the "
        "zoo's loader and returns only the model.",
        DeprecationWarning,
        stacklevel=2,
    )
    return load_translator(path, registries)
