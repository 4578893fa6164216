"""Pixel-wise reconstruction losses (L1, MSE, smooth L1) that honour missing-target masks."""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.pixel_losses.params import PixelLossParams, SmoothL1Params

__all__ = ["PixelLossParams", "SmoothL1Params", "i2i_register"]


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    add = registries.losses.add
    module = "i2i_plugins.pixel_losses.losses"
    add(
        "l1",
        params=PixelLossParams,
        factory=f"{module}:L1Loss",
        description="Mean absolute error between prediction and target.",
    )
    add(
        "mse",
        params=PixelLossParams,
        factory=f"{module}:MSELoss",
        description="Mean squared error between prediction and target.",
    )
    add(
        "smooth_l1",
        params=SmoothL1Params,
        factory=f"{module}:SmoothL1Loss",
        description="Huber-style smooth L1: quadratic near zero, linear beyond beta.",
    )
