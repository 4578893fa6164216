"""Example i2i plugin: registers the Charbonnier loss and adds the command
``i2i example charbonnier``.

Neither hook imports torch: the factory is given as a "module:attribute" string and only
imported when a recipe builds the loss, and the command imports torch when it runs.
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


@i2i.hookimpl
def i2i_add_cli_commands(app):
    from i2i_example_plugin.commands import app as example_app

    # Third-party commands go in a group named after the plugin: `i2i example ...`.
    app.add_typer(example_app, name="example")
