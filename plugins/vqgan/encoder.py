"""The VQGAN encoder of Esser, Rombach & Ommer, "Taming Transformers for High-Resolution Image
Synthesis" (CVPR 2021), as used by Le & Lundberg's in silico painting VQGAN (ISBI 2024).

conv_in → per level ``num_res_blocks`` ResNet blocks (attention at ``attn_resolutions``) and a
stride-2 downsampling except at the last level → middle (ResNet, attention, ResNet) →
GroupNorm, SiLU, conv3x3 to ``z_channels``. Any number of input channels.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from i2i_plugins.vqgan.blocks import Downsample, GroupNormSiLU, MiddleBlock, level_blocks
from i2i_plugins.vqgan.params import VQGANParams


class VQGANEncoder(nn.Module):
    def __init__(self, params: VQGANParams, in_channels: int):
        super().__init__()
        self.out_channels = params.z_channels
        self.downsample_factor = 2 ** (len(params.ch_mult) - 1)
        widths = [params.ch * m for m in (1, *params.ch_mult)]
        self.conv_in = nn.Conv2d(in_channels, params.ch, 3, padding=1)
        self.down = nn.ModuleList()
        resolution = params.resolution
        for level in range(len(params.ch_mult)):
            stage = nn.Module()
            stage.block, stage.attn = level_blocks(
                (widths[level], widths[level + 1]),
                params.num_res_blocks,
                params.groups,
                params.dropout,
                resolution in params.attn_resolutions,
            )
            if level != len(params.ch_mult) - 1:
                stage.downsample = Downsample(widths[level + 1])
                resolution //= 2
            self.down.append(stage)
        self.mid = MiddleBlock(widths[-1], params.groups, params.dropout, params.mid_attention)
        self.norm_out = GroupNormSiLU(widths[-1], params.groups)
        self.conv_out = nn.Conv2d(widths[-1], params.z_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)  # (B, ch, H, W)
        for stage in self.down:
            blocks = cast(nn.ModuleList, stage.block)
            attns = cast(nn.ModuleList, stage.attn)
            for index, block in enumerate(blocks):
                h = block(h)
                if len(attns):
                    h = attns[index](h)
            if hasattr(stage, "downsample"):
                h = cast(nn.Module, stage.downsample)(h)  # (B, C, H/2, W/2)
        h = self.mid(h)
        return self.conv_out(self.norm_out(h))  # (B, z, H/f, W/f)


def build_encoder(params: VQGANParams, in_channels: int) -> VQGANEncoder:
    return VQGANEncoder(params, in_channels)
