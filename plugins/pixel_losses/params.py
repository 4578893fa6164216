"""Parameters of the pixel losses (recipe fields ``weight``, ``reduction``, ``beta``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i


class PixelLossParams(i2i.Params):
    weight: float = Field(1.0, ge=0, description="Multiplier of this loss in the total.")
    reduction: Literal["mean", "sum"] = Field(
        "mean", description="Average over valid pixels, or sum them."
    )


class SmoothL1Params(PixelLossParams):
    beta: float = Field(1.0, gt=0, description="Where the loss turns from quadratic to linear.")
