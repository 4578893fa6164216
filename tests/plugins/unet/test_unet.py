"""The pytorch_fnet-style UNet generator."""

from __future__ import annotations

import pytest
import torch

import i2i


def _unet(**params):
    return i2i.registries.generators.create(
        {"name": "unet", **params}, in_channels=2, out_channels=1
    )


def test_fnet_layout_and_contract():
    unet = _unet(depth=3, base_channels=8)
    assert unet.size_multiple == 8
    assert [stage[0][0].out_channels for stage in unet.encode] == [8, 16, 32]
    assert unet.bottom[1][0].out_channels == 64
    assert unet.last_layer is unet.conv_out.weight
    assert unet(torch.randn(1, 2, 16, 24)).shape == (1, 1, 16, 24)


@pytest.mark.parametrize(("norm", "kind"), [("batch", "BatchNorm2d"), ("group", "GroupNorm")])
def test_norm_options(norm, kind):
    unet = _unet(depth=1, base_channels=4, norm=norm, groups=2)
    assert kind in {type(m).__name__ for m in unet.modules()}
    no_norm = _unet(depth=1, base_channels=4, norm="none")
    assert not {"BatchNorm2d", "GroupNorm"} & {type(m).__name__ for m in no_norm.modules()}


def test_learns_a_simple_mapping():
    """A few Adam steps fit y = x0 - x1 far better than at the start."""
    torch.manual_seed(0)
    unet = _unet(depth=1, base_channels=8, norm="group", groups=4)
    x = torch.randn(2, 2, 8, 8)
    y = x[:, :1] - x[:, 1:]
    optimizer = torch.optim.Adam(unet.parameters(), lr=1e-2)
    losses = []
    for _ in range(25):
        loss = (unet(x) - y).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
