"""The VQGAN of Le & Lundberg's in silico painting (after Esser et al. 2021, taming-transformers).

Components: encoder ``vqgan``, quantizer ``vector``, generator ``vqgan`` (the decoder),
discriminator ``patchgan``, losses ``codebook`` and ``gan``. The paper's configuration is
the default of every component (ch 128, ch_mult [1, 2, 4], 2 residual blocks, z 3 channels,
codebook 8192 x 3, 3-layer PatchGAN with 64 filters). Parameter names mirror
taming-transformers' so that the authors' checkpoints import by renaming prefixes only
(``i2i model import-taming``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import i2i
from i2i.registry import Registries
from i2i_plugins.vqgan.params import (
    CodebookLossParams,
    GANLossParams,
    PatchGANParams,
    VectorQuantizerParams,
    VQGANParams,
)

if TYPE_CHECKING:
    from i2i.commands import PluginCommands

__all__ = [
    "CodebookLossParams",
    "GANLossParams",
    "PatchGANParams",
    "VQGANParams",
    "VectorQuantizerParams",
]


_TINY = {"ch": 16, "ch_mult": [1, 2], "num_res_blocks": 1, "z_channels": 4, "groups": 8}


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    module = "i2i_plugins.vqgan"
    registries.encoders.add(
        "vqgan",
        params=VQGANParams,
        factory=f"{module}.encoder:build_encoder",
        description="Taming VQGAN encoder: ResNet levels, stride-2 downsampling, attention middle.",
        example=_TINY,
    )
    registries.quantizers.add(
        "vector",
        params=VectorQuantizerParams,
        factory=f"{module}.quantizer:build_quantizer",
        description="Vector quantizer: nearest code, straight-through gradients, commitment loss.",
        example={"codebook_size": 16, "init": "kmeans", "restart_dead_codes": True},
    )
    registries.generators.add(
        "vqgan",
        params=VQGANParams,
        factory=f"{module}.decoder:build_decoder",
        description="Taming VQGAN decoder: the encoder's mirror with one more block per level.",
        example=_TINY,
    )
    registries.discriminators.add(
        "patchgan",
        params=PatchGANParams,
        factory=f"{module}.discriminator:build_discriminator",
        description="N-layer PatchGAN discriminator (pix2pix): one logit per image patch.",
        example={"n_layers": 2, "ndf": 8},
    )
    registries.losses.add(
        "codebook",
        params=CodebookLossParams,
        factory=f"{module}.codebook_loss:CodebookLoss",
        description="Weights the quantizer's codebook and commitment loss.",
        example={"weight": 1.0},
    )
    registries.losses.add(
        "gan",
        params=GANLossParams,
        factory=f"{module}.gan_loss:GANLoss",
        description="Adversarial loss (hinge or vanilla) with taming's adaptive weight.",
        example={"disc_weight": 0.8},
    )


@i2i.hookimpl
def i2i_add_cli_commands(app: PluginCommands) -> None:
    from i2i_plugins.vqgan.commands import import_taming_command

    app.group("model").command("import-taming")(import_taming_command)
