"""The VQGAN decoder of Esser, Rombach & Ommer, "Taming Transformers for High-Resolution Image
Synthesis" (CVPR 2021), as used by Le & Lundberg's in silico painting VQGAN (ISBI 2024).

The encoder's mirror: conv_in from the latent → middle (ResNet, attention, ResNet) → per level,
deepest first, ``num_res_blocks + 1`` ResNet blocks and a nearest-neighbour ×2 upsampling + conv
except at the first level → GroupNorm, SiLU, conv3x3 to the output channels. The extra block
per level is why the decoder has about 1.5 times the encoder's parameters.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from i2i_plugins.vqgan.blocks import GroupNormSiLU, MiddleBlock, Upsample, level_blocks
from i2i_plugins.vqgan.params import VQGANParams


class VQGANDecoder(nn.Module):
    def __init__(self, params: VQGANParams, in_channels: int, out_channels: int):
        super().__init__()
        levels = len(params.ch_mult)
        self.upsample_factor = 2 ** (levels - 1)
        width = params.ch * params.ch_mult[-1]
        resolution = params.resolution // self.upsample_factor
        self.conv_in = nn.Conv2d(in_channels, width, 3, padding=1)
        self.mid = MiddleBlock(width, params.groups, params.dropout, params.mid_attention)
        stages: list[nn.Module] = []
        for level in reversed(range(levels)):
            stage = nn.Module()
            level_width = params.ch * params.ch_mult[level]
            stage.block, stage.attn = level_blocks(
                (width, level_width),
                params.num_res_blocks + 1,
                params.groups,
                params.dropout,
                resolution in params.attn_resolutions,
            )
            width = level_width
            if level != 0:
                stage.upsample = Upsample(width)
                resolution *= 2
            stages.insert(0, stage)
        self.up = nn.ModuleList(stages)  # indexed by level, as in taming
        self.norm_out = GroupNormSiLU(width, params.groups)
        self.conv_out = nn.Conv2d(width, out_channels, 3, padding=1)

    @property
    def last_layer(self) -> torch.Tensor:
        """Weight of the output convolution (for the GAN loss's adaptive weight)."""
        return self.conv_out.weight

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(z))  # (B, C, h, w)
        for stage in reversed(self.up):
            blocks = cast(nn.ModuleList, stage.block)
            attns = cast(nn.ModuleList, stage.attn)
            for index, block in enumerate(blocks):
                h = block(h)
                if len(attns):
                    h = attns[index](h)
            if hasattr(stage, "upsample"):
                h = cast(nn.Module, stage.upsample)(h)  # (B, C, 2h, 2w)
        return self.conv_out(self.norm_out(h))  # (B, Cout, H, W)


def build_decoder(params: VQGANParams, in_channels: int, out_channels: int) -> VQGANDecoder:
    return VQGANDecoder(params, in_channels, out_channels)
