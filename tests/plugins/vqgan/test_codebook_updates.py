"""Codebook updates inside the forward pass (dead-code restarts, EMA) leave backward intact."""

from __future__ import annotations

import pytest
import torch

import i2i


@pytest.mark.parametrize(
    "options",
    [
        {"restart_dead_codes": True, "normalize": True},
        {"restart_dead_codes": True, "normalize": False},
        {"ema": True, "restart_dead_codes": True},
    ],
)
def test_backward_after_codes_were_replaced_in_the_same_forward(options):
    torch.manual_seed(0)
    quantizer = i2i.registries.quantizers.create(
        {
            "name": "vector",
            "codebook_size": 64,
            "dead_code_threshold": 2.0,
            "usage_decay": 0.5,
            **options,
        },
        channels=4,
    )
    quantizer.train()
    z = torch.randn(2, 4, 8, 8, requires_grad=True)
    restarted = 0.0
    for _ in range(4):
        z_q, loss, logs = quantizer(z)
        (z_q.square().mean() + loss).backward()
        restarted += logs.get("vector/restarted_codes", 0.0)
    assert restarted > 0  # codes were replaced, and every backward still ran
    assert z.grad is not None and torch.isfinite(z.grad).all()
