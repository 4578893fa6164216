"""K-means (Lloyd's algorithm) to start a codebook from data.

Initialising the codes as k-means centroids of the first latents, instead of at random, keeps
them where the encoder's outputs are, so that many codes are used from the first step: Łańcucki
et al., "Robust Training of Vector Quantized Bottleneck Models" (IJCNN 2020); also Zeghidour et
al., "SoundStream" (2021).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

_CHUNK_ELEMENTS = 2**24
"""Distances are computed this many (sample, code) pairs at a time to bound memory."""


def nearest_codes(samples: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Index of the nearest code (Euclidean) of each sample; samples (N, D), codes (K, D).

    Computed in chunks of samples to bound memory, except when traced (exported), where the
    chunks would be frozen at the traced input's count: there all N x K distances at once."""
    codes_sq = codes.square().sum(1)  # (K,)
    if torch.jit.is_tracing():  # TorchScript/ONNX export: a traced loop would fix the chunk count
        return torch.addmm(codes_sq[None], samples, codes.t(), alpha=-2.0).argmin(1)  # (N,)
    rows = max(1, _CHUNK_ELEMENTS // codes.shape[0])
    out = []
    for chunk in samples.split(rows):
        # ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²; ‖x‖² does not change the argmin
        distance = torch.addmm(codes_sq[None], chunk, codes.t(), alpha=-2.0)  # (n, K)
        out.append(distance.argmin(1))
    return torch.cat(out)  # (N,)


def kmeans(
    samples: torch.Tensor,
    k: int,
    iters: int,
    *,
    cosine: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``k`` centroids (k, D) of ``samples`` (N, D); with ``cosine`` they lie on the unit sphere.

    Starts from ``k`` random samples (drawn with replacement when N < k); a cluster that ends
    an iteration empty keeps its previous centroid.
    """
    samples = samples.float()
    count = samples.shape[0]
    if count >= k:
        start = torch.randperm(count, generator=generator, device="cpu")[:k]
    else:
        start = torch.randint(count, (k,), generator=generator, device="cpu")
    centroids = samples[start.to(samples.device)].clone()  # (k, D)
    for _ in range(iters):
        assignment = nearest_codes(samples, centroids)  # (N,)
        sums = torch.zeros_like(centroids).index_add_(0, assignment, samples)
        sizes = torch.bincount(assignment, minlength=k).to(samples.dtype)  # (k,)
        filled = sizes > 0
        centroids[filled] = sums[filled] / sizes[filled, None]
        if cosine:
            centroids = F.normalize(centroids, dim=1)
    return centroids
