"""Any timm backbone as an encoder, with a UNet-style decoder that consumes its feature pyramid.

The ``timm`` encoder returns a *list* of feature maps (shallow to deep) and declares
``feature_channels`` and ``feature_reductions``; :func:`i2i.model.build_model` passes those to
the generator, so pair it with ``timm_decoder``.
"""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.timm_backbones.params import TimmDecoderParams, TimmEncoderParams

__all__ = ["TimmDecoderParams", "TimmEncoderParams", "i2i_register"]


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    module = "i2i_plugins.timm_backbones"
    registries.encoders.add(
        "timm",
        params=TimmEncoderParams,
        factory=f"{module}.encoder:build_timm_encoder",
        description="Any timm backbone (features_only) as a feature-pyramid encoder.",
        example={"model_name": "test_resnet"},
    )
    registries.generators.add(
        "timm_decoder",
        params=TimmDecoderParams,
        factory=f"{module}.decoder:build_timm_decoder",
        description="UNet-style decoder of a timm encoder's feature pyramid.",
        example={"head_channels": 8},
    )
