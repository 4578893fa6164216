"""Pixel losses: values, and missing targets (mask 0) ignored."""

from __future__ import annotations

import pytest
import torch

import i2i


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("l1", torch.nn.functional.l1_loss),
        ("mse", torch.nn.functional.mse_loss),
        ("smooth_l1", torch.nn.functional.smooth_l1_loss),
    ],
)
def test_matches_torch_without_mask_and_ignores_masked_channels(name, reference):
    torch.manual_seed(0)
    loss = i2i.registries.losses.create({"name": name, "weight": 2.0})
    prediction, target = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    value, logs = loss(prediction, target)
    torch.testing.assert_close(value, 2.0 * reference(prediction, target))
    assert logs == {f"{name}/loss": pytest.approx(float(value))}

    mask = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])  # (B, C)
    garbage = target.clone()
    garbage[mask == 0] = 1e6  # missing targets may hold anything
    masked, _ = loss(prediction, garbage, mask)
    present = mask.bool()
    expected = 2.0 * reference(prediction[present], target[present])
    torch.testing.assert_close(masked, expected)
