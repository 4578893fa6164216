"""A pytorch_fnet-style UNet generator: a deterministic baseline that translates the image directly
(no encoder, no quantizer), trained with the same losses as the VQGAN."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i
from i2i.registry import Registries


class UNetParams(i2i.Params):
    depth: int = Field(4, ge=1, le=8, description="Downsamplings by 2 (pytorch_fnet: 4).")
    base_channels: int = Field(
        32, ge=1, description="Channels of the first level; doubled at each level."
    )
    norm: Literal["batch", "group", "none"] = Field(
        "batch", description="Normalisation after each convolution (pytorch_fnet: batch)."
    )
    groups: int = Field(8, ge=1, description="Groups of the 'group' normalisation.")


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    registries.generators.add(
        "unet",
        params=UNetParams,
        factory="i2i_plugins.unet.unet:build_unet",
        description="UNet after pytorch_fnet (Ounkomol et al. 2018): deterministic baseline.",
        example={"depth": 2, "base_channels": 8, "norm": "group", "groups": 4},
    )
