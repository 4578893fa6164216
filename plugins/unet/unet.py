"""The UNet of pytorch_fnet: Ounkomol et al., "Label-free prediction of three-dimensional
fluorescence images from transmitted-light microscopy" (Nature Methods, 2018), in 2-D; after
Ronneberger et al., "U-Net" (MICCAI 2015).

Each level: two conv3x3-norm-ReLU; down by a stride-2 2x2 conv (+ norm, ReLU); up by a stride-2
2x2 transposed conv (+ norm, ReLU), concatenated with the level's features, then two
conv3x3-norm-ReLU. A final conv3x3 maps to the output channels. Input sides must be multiples of
2 ** depth.
"""

from __future__ import annotations

import torch
from torch import nn

from i2i_plugins.unet.params import UNetParams


def _norm(params: UNetParams, channels: int) -> nn.Module:
    if params.norm == "batch":
        return nn.BatchNorm2d(channels)
    if params.norm == "group":
        return nn.GroupNorm(min(params.groups, channels), channels)
    return nn.Identity()


def _conv_norm_relu(params: UNetParams, conv: nn.Module, channels: int) -> nn.Sequential:
    return nn.Sequential(conv, _norm(params, channels), nn.ReLU(inplace=True))


def _two_convs(params: UNetParams, in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        _conv_norm_relu(params, nn.Conv2d(in_channels, out_channels, 3, padding=1), out_channels),
        _conv_norm_relu(params, nn.Conv2d(out_channels, out_channels, 3, padding=1), out_channels),
    )


class UNet(nn.Module):
    def __init__(self, params: UNetParams, in_channels: int, out_channels: int):
        super().__init__()
        self.size_multiple = 2**params.depth
        widths = [params.base_channels * 2**level for level in range(params.depth + 1)]
        self.encode = nn.ModuleList()
        self.down = nn.ModuleList()
        self.up = nn.ModuleList()
        self.decode = nn.ModuleList()
        previous = in_channels
        for level in range(params.depth):
            width, deeper = widths[level], widths[level + 1]
            self.encode.append(_two_convs(params, previous, width))
            self.down.append(_conv_norm_relu(params, nn.Conv2d(width, width, 2, stride=2), width))
            self.up.append(
                _conv_norm_relu(params, nn.ConvTranspose2d(deeper, width, 2, stride=2), width)
            )
            self.decode.append(_two_convs(params, 2 * width, width))
            previous = width
        self.bottom = _two_convs(params, widths[-2], widths[-1])
        self.conv_out = nn.Conv2d(widths[0], out_channels, 3, padding=1)

    @property
    def last_layer(self) -> torch.Tensor:
        """Weight of the output convolution (for the GAN loss's adaptive weight)."""
        return self.conv_out.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        h = x  # (B, Cin, H, W)
        for encode, down in zip(self.encode, self.down, strict=True):
            h = encode(h)  # (B, C_l, H_l, W_l)
            skips.append(h)
            h = down(h)  # (B, C_l, H_l/2, W_l/2)
        h = self.bottom(h)  # (B, C_depth, H/2^d, W/2^d)
        for level in reversed(range(len(skips))):
            h = self.up[level](h)  # (B, C_l, H_l, W_l)
            h = self.decode[level](torch.cat([skips[level], h], dim=1))
        return self.conv_out(h)  # (B, Cout, H, W)


def build_unet(params: UNetParams, in_channels: int, out_channels: int) -> UNet:
    return UNet(params, in_channels, out_channels)
