"""A fake plugin with one or two components of every kind, for the recipe tests.

The recipe machinery is tested against these instead of the real VQGAN, datasets and
transforms, so the tests say exactly which components exist. Factories build nothing: recipes
are only validated here.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Literal

from pydantic import Field

import i2i
from i2i.plugins import PluginHost
from i2i.registry import Registries

FACTORY = "builtins:dict"


class NoParams(i2i.Params):
    pass


class CoderParams(i2i.Params):
    ch: int = Field(16, ge=1, description="Base channels.")
    ch_mult: list[int] = Field([1, 2], description="Channel multiplier per level.")


class DatasetParams(i2i.Params):
    root: str = Field(description="Folder of the dataset.")
    organelle: Literal["nucleus", "mitochondria"] = Field("nucleus", description="Target.")


class FlipParams(i2i.Params):
    p: float = Field(0.5, ge=0, le=1, description="Probability of flipping.")


class WeightParams(i2i.Params):
    weight: float = Field(1.0, ge=0, description="Multiplier of this loss.")


class AcmeParams(i2i.Params):
    style_dim: int = Field(64, ge=1, description="Width of the style vector.")


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    def add(kind: str, name: str, params: type[i2i.Params] = NoParams) -> None:
        registries.kind(kind).add(name, params=params, factory=FACTORY, description=f"Fake {name}.")

    add("encoders", "vqgan", CoderParams)
    add("quantizers", "vector")
    add("generators", "vqgan", CoderParams)
    add("generators", "unet", CoderParams)
    add("discriminators", "patchgan")
    add("datasets", "pattern", DatasetParams)
    add("transforms", "flip", FlipParams)
    add("transforms", "rot90")
    add("losses", "l1", WeightParams)
    add("losses", "codebook", WeightParams)
    add("losses", "gan", WeightParams)
    add("metrics", "pcc")
    add("metrics", "ssim")
    add("readers", "bioio")
    add("writers", "ome_zarr")


class AcmePlugin:
    """A third-party plugin: a prefixed generator with its own parameters."""

    @i2i.hookimpl
    def i2i_register(self, registries: Registries) -> None:
        registries.generators.add(
            "acme.stylegan",
            params=AcmeParams,
            factory=FACTORY,
            description="Acme's style-based generator.",
        )


class RecipeDirsPlugin:
    """A plugin that ships a folder of recipes."""

    def __init__(self, folder: Path):
        self.folder = folder

    @i2i.hookimpl
    def i2i_recipe_dirs(self) -> list[Path]:
        return [self.folder]


GOOD_RECIPE = """\
version: 1
name: tiny_vq
description: A tiny VQ translator on synthetic patterns.
data:
  dataset: {name: pattern, root: "${env:I2I_TEST_DATA,data/patterns}"}
  transforms: [{name: flip, p: 0.5}, {name: rot90}]
  batch_size: 2
model:
  in_channels: 1
  out_channels: 1
  encoder: {name: vqgan, ch: 8, ch_mult: [1, 2]}
  quantizer: {name: vector}
  generator: {name: vqgan, ch: 8, ch_mult: [1, 2]}
  discriminator: {name: patchgan}
losses:
  - {name: l1, weight: 1.0}
  - {name: codebook}
  - {name: gan, weight: 0.1}
train:
  max_steps: 20
  mixed_precision: bf16
  best_metric: pcc
evaluate:
  metrics: [{name: pcc}, {name: ssim}]
"""

THREE_MISTAKES = (
    GOOD_RECIPE.replace("{name: l1, weight: 1.0}", "{name: l2, weight: 1.0}")  # a loss name
    .replace("batch_size: 2", "batch_size: two")  # a type
    .replace("  max_steps: 20", "  max_step: 20")  # a key
)
"""The recipe of the issue's done-when: three different mistakes, all reported at once."""


def write(folder: Path, name: str, text: str) -> Path:
    """Write a recipe file (``text`` is dedented) and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def install_fakes(host: PluginHost) -> PluginHost:
    """Add the fake plugin of this module to ``host`` (the tests' ``i2i_host``)."""
    host.add_plugin(sys.modules[__name__])
    return host
