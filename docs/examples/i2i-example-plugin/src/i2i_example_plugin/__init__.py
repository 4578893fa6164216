"""Example i2i plugin: registers the Charbonnier loss.

Registration imports no torch: the factory is given as a "module:attribute" string and only
imported when a recipe builds the loss.
"""

from pydantic import Field

import i2i


class CharbonnierParams(i2i.Params):
    epsilon: float = Field(1e-3, gt=0, description="Smoothing constant ε of sqrt(d² + ε²).")
    weight: float = Field(1.0, ge=0, description="Multiplier of this loss in the total.")


@i2i.hookimpl
def i2i_register(registries):
    registries.losses.add(
        "example.charbonnier",
        params=CharbonnierParams,
        factory="i2i_example_plugin.charbonnier:CharbonnierLoss",
        description="Charbonnier loss sqrt((prediction - target)^2 + eps^2), a smooth L1.",
        example={"epsilon": 0.01},
    )
