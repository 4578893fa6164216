"""The adversarial objective of VQGAN: Esser, Rombach & Ommer, "Taming Transformers for
High-Resolution Image Synthesis" (CVPR 2021), section 3.1 and taming's ``vqperceptual.py``.

Generator side: −mean(D(x̂)) scaled by the adaptive weight
λ = ‖∇_L L_pixel‖ / (‖∇_L L_GAN‖ + 1e-4), clamped to [0, 1e4], times ``disc_weight``, where L is
the generator's last layer; this balances the two gradients whatever their scales. Discriminator
side: hinge, 0.5 (mean relu(1 − D(x)) + mean relu(1 + D(x̂))), or vanilla, 0.5 (mean
softplus(−D(x)) + mean softplus(D(x̂))). Both sides are zero before step ``disc_start``.

The logs are detached tensors (the weight 0 of the warm-up a number): nothing here waits for the
GPU, the trainer converts the logs it writes.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from i2i_plugins.vqgan.params import GANLossParams


class GANLoss(nn.Module):
    role = "adversarial"
    """Used through :meth:`generator_loss` and :meth:`discriminator_loss`."""

    def __init__(self, params: GANLossParams):
        super().__init__()
        self.params = params

    def active(self, step: int) -> bool:
        """Whether the adversarial terms are on at ``step`` (after the warm-up)."""
        return step >= self.params.disc_start and self.params.disc_factor > 0

    def generator_loss(
        self,
        pixel_loss: torch.Tensor,
        fake_logits: torch.Tensor,
        last_layer: torch.Tensor | None,
        step: int,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor | float]]:
        """λ · disc_factor · (−mean D(x̂)); ``last_layer`` is the generator's output weight."""
        g_loss = -fake_logits.float().mean()
        if not self.active(step):
            # a constant: no backward pass through the discriminator during the warm-up
            zero = torch.zeros((), device=g_loss.device)
            return zero, {"gan/g_loss": g_loss.detach(), "gan/d_weight": 0.0}
        weight = self.adaptive_weight(pixel_loss, g_loss, last_layer)
        loss = weight * self.params.disc_factor * g_loss
        return loss, {"gan/g_loss": g_loss.detach(), "gan/d_weight": weight}

    def adaptive_weight(
        self, pixel_loss: torch.Tensor, g_loss: torch.Tensor, last_layer: torch.Tensor | None
    ) -> torch.Tensor:
        """λ = ‖∇_L pixel‖ / (‖∇_L gan‖ + 1e-4) ∈ [0, 1e4], × disc_weight (detached)."""
        # filled on the device: torch.tensor(x, device=cuda) would copy x over and wait
        scale = torch.full((), self.params.disc_weight, device=g_loss.device)
        if not self.params.adaptive:
            return scale
        if last_layer is None or not (pixel_loss.requires_grad and g_loss.requires_grad):
            return scale * 0.0  # evaluation: no graph to measure, as taming does
        pixel_grad = torch.autograd.grad(pixel_loss, last_layer, retain_graph=True)[0]
        gan_grad = torch.autograd.grad(g_loss, last_layer, retain_graph=True)[0]
        ratio = pixel_grad.float().norm() / (gan_grad.float().norm() + 1e-4)
        return ratio.clamp(0.0, 1e4).detach() * scale

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor, step: int
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """disc_factor · the hinge or vanilla loss, 0 before ``disc_start``."""
        real, fake = real_logits.float(), fake_logits.float()
        if self.params.loss == "hinge":
            loss = 0.5 * (F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean())
        else:
            loss = 0.5 * (F.softplus(-real).mean() + F.softplus(fake).mean())
        factor = self.params.disc_factor if step >= self.params.disc_start else 0.0
        loss = factor * loss
        logs = {
            "gan/d_loss": loss.detach(),
            "gan/logits_real": real.detach().mean(),
            "gan/logits_fake": fake.detach().mean(),
        }
        return loss, logs
