"""The codebook term of a VQ objective (van den Oord et al., VQ-VAE, 2017): the quantizer
computes ‖sg[z] − z_q‖² + β‖z − sg[z_q]‖²; this loss weights it in the total."""

from __future__ import annotations

import torch
from torch import nn

from i2i_plugins.vqgan.params import CodebookLossParams


class CodebookLoss(nn.Module):
    role = "codebook"
    """Consumes the quantizer's loss rather than prediction and target."""

    def __init__(self, params: CodebookLossParams):
        super().__init__()
        self.weight = params.weight

    def forward(self, quantizer_loss: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        loss = self.weight * quantizer_loss.mean()
        return loss, {"codebook/loss": loss.detach()}
