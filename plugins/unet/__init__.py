"""A pytorch_fnet-style UNet generator: a deterministic baseline that translates the image directly
(no encoder, no quantizer), trained with the same losses as the VQGAN."""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.unet.params import UNetParams

__all__ = ["UNetParams", "i2i_register"]


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    registries.generators.add(
        "unet",
        params=UNetParams,
        factory="i2i_plugins.unet.unet:build_unet",
        description="UNet after pytorch_fnet (Ounkomol et al. 2018): deterministic baseline.",
        example={"depth": 2, "base_channels": 8, "norm": "group", "groups": 4},
    )
