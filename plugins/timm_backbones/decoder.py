"""A UNet-style decoder of a feature pyramid (Ronneberger et al., "U-Net", MICCAI 2015, as
segmentation decoders over pretrained backbones use it).

From the deepest feature up: upsample (nearest) to the next shallower feature's size,
concatenate it, two conv3x3-BatchNorm-ReLU to that feature's width. Then upsample by the
shallowest feature's stride to full resolution, two conv3x3-BatchNorm-ReLU with
``head_channels``, and a conv3x3 to the output channels.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from i2i.errors import I2IError
from i2i_plugins.timm_backbones.params import TimmDecoderParams


def _two_convs(in_channels: int, out_channels: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width_in in (in_channels, out_channels):
        layers += [
            nn.Conv2d(width_in, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        ]
    return nn.Sequential(*layers)


class PyramidDecoder(nn.Module):
    def __init__(
        self,
        params: TimmDecoderParams,
        feature_channels: list[int],
        feature_reductions: list[int],
        out_channels: int,
    ):
        super().__init__()
        self.stages = nn.ModuleList(
            _two_convs(feature_channels[i + 1] + feature_channels[i], feature_channels[i])
            for i in range(len(feature_channels) - 1)
        )
        self.head_scale = feature_reductions[0]
        self.head = _two_convs(feature_channels[0], params.head_channels)
        self.conv_out = nn.Conv2d(params.head_channels, out_channels, 3, padding=1)

    @property
    def last_layer(self) -> torch.Tensor:
        """Weight of the output convolution (for the GAN loss's adaptive weight)."""
        return self.conv_out.weight

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        h = features[-1]  # (B, C_deep, H/r, W/r)
        for level in reversed(range(len(self.stages))):
            skip = features[level]
            h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = self.stages[level](torch.cat([h, skip], dim=1))  # (B, C_level, ...)
        if self.head_scale > 1:
            h = F.interpolate(h, scale_factor=float(self.head_scale), mode="nearest")
        return self.conv_out(self.head(h))  # (B, Cout, H, W)


def build_timm_decoder(
    params: TimmDecoderParams,
    in_channels: int,
    out_channels: int,
    feature_channels: list[int] | None = None,
    feature_reductions: list[int] | None = None,
) -> PyramidDecoder:
    if feature_channels is None or feature_reductions is None:
        raise I2IError(
            "model.generator 'timm_decoder' decodes a feature pyramid, but the model has no "
            "pyramid encoder; add model.encoder {name: timm, model_name: ...} (in_channels "
            f"{in_channels} was given instead of a pyramid)."
        )
    return PyramidDecoder(params, feature_channels, feature_reductions, out_channels)
