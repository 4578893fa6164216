"""Parameters of the UNet generator (depth, width and normalisation)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i


class UNetParams(i2i.Params):
    depth: int = Field(4, ge=1, le=8, description="Downsamplings by 2 (pytorch_fnet: 4).")
    base_channels: int = Field(
        32, ge=1, description="Channels of the first level; doubled at each level."
    )
    norm: Literal["batch", "group", "none"] = Field(
        "batch", description="Normalisation after each convolution (pytorch_fnet: batch)."
    )
    groups: int = Field(8, ge=1, description="Groups of the 'group' normalisation.")
