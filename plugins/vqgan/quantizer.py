"""Vector quantization: van den Oord, Vinyals & Kavukcuoglu, "Neural Discrete Representation
Learning" (VQ-VAE, NeurIPS 2017), as in taming-transformers' VectorQuantizer2.

Each latent vector is replaced by its nearest codebook entry; gradients pass straight through
(z + sg[z_q − z]). The loss is ‖sg[z] − z_q‖² + β‖z − sg[z_q]‖² (the codebook term moves codes
to latents, the commitment term keeps latents near their codes); ``legacy_beta`` puts β on the
codebook term instead, as taming's default ``legacy=True`` (and so the paper) did. 1x1
convolutions project the latent to the code dimension and back (taming's ``quant_conv`` and
``post_quant_conv``).

Options beyond the paper, for faster convergence and more codes in use:

- ``ema``: codes are exponential moving averages of their assigned latents (VQ-VAE appendix;
  Razavi et al., VQ-VAE-2, 2019), with Laplace-smoothed counts; no codebook loss term.
- ``init: kmeans``: codes start as k-means centroids of the first training batch (Łańcucki et
  al., 2020).
- ``restart_dead_codes``: a code whose running assignment count per batch falls below
  ``dead_code_threshold`` moves onto a random latent of the current batch (Dhariwal et al.,
  Jukebox, 2020).
- ``normalize``: latents and codes are l2-normalised, so the nearest code is the most
  cosine-similar one (Yu et al., ViT-VQGAN, 2022).

Under several processes (DDP) the EMA statistics are summed over processes and data-dependent
codebook changes are taken from process 0, so replicas stay identical.

The logs (perplexity, fraction of codes used) are detached tensors: a forward pass does not wait
for the GPU to report them. Only ``restart_dead_codes`` waits, once a training step, to learn how
many codes are dead.
"""

from __future__ import annotations

import torch
from torch import distributed as dist
from torch import nn
from torch.nn import functional as F

from i2i_plugins.vqgan.kmeans import kmeans, nearest_codes
from i2i_plugins.vqgan.params import VectorQuantizerParams

_EPS = 1e-5


class VectorQuantizer(nn.Module):
    def __init__(self, params: VectorQuantizerParams, channels: int):
        super().__init__()
        self.params = params
        self.out_channels = channels
        dim = params.code_dim or channels
        size = params.codebook_size
        self.quant_conv: nn.Module = (
            nn.Conv2d(channels, dim, 1) if params.projections else (nn.Identity())
        )
        self.post_quant_conv: nn.Module = (
            nn.Conv2d(dim, channels, 1) if params.projections else (nn.Identity())
        )
        if not params.projections and dim != channels:
            raise ValueError(
                f"code_dim {dim} differs from the latent's {channels} channels "
                "while projections is off; turn projections on or drop code_dim."
            )
        self.embedding = nn.Embedding(size, dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / size, 1.0 / size)
        # Buffers are declared for the type checker: nn.Module.__getattr__ types them loosely.
        self.ema_count: torch.Tensor  # (K,), with ema only
        self.ema_sum: torch.Tensor  # (K, D), with ema only
        self.usage: torch.Tensor  # (K,)
        self.initialized: torch.Tensor  # () bool
        if params.ema:
            self.embedding.weight.requires_grad_(False)
            self.register_buffer("ema_count", torch.ones(size))
            self.register_buffer("ema_sum", self.embedding.weight.detach().clone())
        self.register_buffer("usage", torch.full((size,), self._fresh_usage()))
        self.register_buffer("initialized", torch.tensor(params.init == "uniform"))
        self._seen_initialized = False
        self.register_load_state_dict_post_hook(_forget_seen_initialized)

    # ------------------------------------------------------------------ forward
    def forward(
        self, z: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor | float]]:
        h = self.quant_conv(z)  # (B, D, h, w)
        b, d, height, width = h.shape
        flat = h.permute(0, 2, 3, 1).reshape(-1, d).float()  # (N, D)
        if self.params.normalize:
            flat = F.normalize(flat, dim=1)
        if self.training and self._needs_initialization():
            self._initialize(flat.detach())
        codes = self._codes()  # (K, D)
        with torch.no_grad(), torch.autocast(flat.device.type, enabled=False):
            indices = nearest_codes(flat.detach(), codes.detach())  # (N,)
        quantized = codes[indices]  # (N, D)
        loss = self._loss(flat, quantized)
        counts = torch.bincount(indices, minlength=codes.shape[0]).float()  # (K,)
        logs = _usage_logs(counts)
        if self.training:
            logs |= self._update(flat.detach(), indices, counts)
        straight_through = flat + (quantized - flat).detach()  # (N, D)
        z_q = straight_through.view(b, height, width, d).permute(0, 3, 1, 2)  # (B, D, h, w)
        return self.post_quant_conv(z_q.to(h.dtype)), loss, logs

    def _needs_initialization(self) -> bool:
        """Whether the codebook waits for its k-means start. Reading the ``initialized`` buffer
        waits for the GPU, so it is read only until it is seen set (and again after a load)."""
        if not self._seen_initialized:
            self._seen_initialized = bool(self.initialized)
        return not self._seen_initialized

    def _codes(self) -> torch.Tensor:
        # A copy in training: restarts and EMA overwrite the codebook in place later in this
        # forward, which must not change what the backward pass reads.
        weight = self.embedding.weight.float()
        weight = weight.clone() if self.training else weight
        return F.normalize(weight, dim=1) if self.params.normalize else weight

    def _loss(self, flat: torch.Tensor, quantized: torch.Tensor) -> torch.Tensor:
        beta = self.params.beta
        commitment = F.mse_loss(flat, quantized.detach())
        if self.params.ema:  # codes follow their latents by averaging, not by gradient
            return beta * commitment
        codebook = F.mse_loss(quantized, flat.detach())
        if self.params.legacy_beta:
            return commitment + beta * codebook
        return codebook + beta * commitment

    # ------------------------------------------------------------------ training updates
    @torch.no_grad()
    def _initialize(self, flat: torch.Tensor) -> None:
        """k-means codebook from the first batch (process 0's, under DDP)."""
        centroids = kmeans(
            flat, self.params.codebook_size, self.params.kmeans_iters, cosine=self.params.normalize
        )
        self._set_codes(_broadcast(centroids), None)
        self.initialized.fill_(True)
        self._seen_initialized = True

    @torch.no_grad()
    def _update(
        self, flat: torch.Tensor, indices: torch.Tensor, counts: torch.Tensor
    ) -> dict[str, torch.Tensor | float]:
        counts = _all_reduce(counts.clone())
        logs: dict[str, torch.Tensor | float] = {}
        if self.params.ema:
            sums = torch.zeros_like(self.ema_sum).index_add_(0, indices, flat)  # (K, D)
            self._ema_step(counts, _all_reduce(sums))
        if self.params.restart_dead_codes:
            decay = self.params.usage_decay
            self.usage.mul_(decay).add_(counts, alpha=1 - decay)
            logs["vector/restarted_codes"] = float(self._restart_dead(flat))
        return logs

    def _ema_step(self, counts: torch.Tensor, sums: torch.Tensor) -> None:
        decay = self.params.ema_decay
        self.ema_count.mul_(decay).add_(counts, alpha=1 - decay)
        self.ema_sum.mul_(decay).add_(sums, alpha=1 - decay)
        total = self.ema_count.sum()
        size = self.ema_count.shape[0]
        smoothed = (self.ema_count + _EPS) / (total + size * _EPS) * total  # Laplace smoothing
        self.embedding.weight.copy_(self.ema_sum / smoothed[:, None])

    def _restart_dead(self, flat: torch.Tensor) -> int:
        dead = (self.usage < self.params.dead_code_threshold).nonzero().flatten()
        if dead.numel() == 0:
            return 0
        picks = torch.randint(flat.shape[0], (dead.numel(),), device=flat.device)
        replacements = _broadcast(flat[picks])  # (n_dead, D)
        self._set_codes(replacements, dead)
        return int(dead.numel())

    def _fresh_usage(self) -> float:
        """Running count given to a new code: it survives ~log(2)/(1 - usage_decay) idle steps."""
        return 2.0 * max(self.params.dead_code_threshold, 1e-3)

    def _set_codes(self, codes: torch.Tensor, where: torch.Tensor | None) -> None:
        """Overwrite codes (all when ``where`` is None) and reset their running statistics."""
        index = slice(None) if where is None else where
        weight = self.embedding.weight
        weight[index] = codes.to(weight.dtype)
        self.usage[index] = self._fresh_usage()
        if self.params.ema:
            self.ema_count[index] = 1.0
            self.ema_sum[index] = codes.to(self.ema_sum.dtype)


def _forget_seen_initialized(module: nn.Module, incompatible_keys: object) -> None:
    """After ``load_state_dict``: the loaded ``initialized`` buffer is read again."""
    if isinstance(module, VectorQuantizer):
        module._seen_initialized = False


def _usage_logs(counts: torch.Tensor) -> dict[str, torch.Tensor | float]:
    """Perplexity (effective number of codes) and fraction of codes used in this batch, as
    detached tensors; the perplexity's exponential in float64 where the device has it (MPS has
    not), as ``math.exp`` computed it on the host."""
    probabilities = counts / counts.sum().clamp_min(1)
    entropy = -(probabilities * torch.log(probabilities + 1e-10)).sum()
    precise = entropy if entropy.device.type == "mps" else entropy.double()
    return {
        "vector/perplexity": precise.exp(),
        "vector/used_codes": (counts > 0).float().mean(),
    }


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _all_reduce(tensor: torch.Tensor) -> torch.Tensor:
    if _distributed():
        dist.all_reduce(tensor)
    return tensor


def _broadcast(tensor: torch.Tensor) -> torch.Tensor:
    if _distributed():
        tensor = tensor.contiguous()
        dist.broadcast(tensor, src=0)
    return tensor


def build_quantizer(params: VectorQuantizerParams, channels: int) -> VectorQuantizer:
    return VectorQuantizer(params, channels)
