"""The N-layer PatchGAN discriminator of Isola et al., "Image-to-Image Translation with
Conditional Adversarial Networks" (pix2pix, CVPR 2017), as taming-transformers uses it.

4x4 convolutions, LeakyReLU 0.2, BatchNorm after every convolution but the first and the last,
weights drawn from N(0, 0.02) (BatchNorm scales from N(1, 0.02)). It sees only the generated or
real image (not conditional) and outputs one logit per patch. Parameter names are taming's
(``main.<index>``).
"""

from __future__ import annotations

import torch
from torch import nn

from i2i_plugins.vqgan.params import PatchGANParams


class PatchGAN(nn.Module):
    def __init__(self, params: PatchGANParams, in_channels: int):
        super().__init__()
        ndf = params.ndf
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, True),
        ]
        mult = 1
        for n in range(1, params.n_layers + 1):
            previous, mult = mult, min(2**n, 8)
            stride = 2 if n < params.n_layers else 1
            layers += [
                nn.Conv2d(ndf * previous, ndf * mult, 4, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.main = nn.Sequential(*layers)
        self.apply(_init_weights)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.main(image)  # (B, 1, ~H/2^n, ~W/2^n)


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def build_discriminator(params: PatchGANParams, in_channels: int) -> PatchGAN:
    return PatchGAN(params, in_channels)
