"""The weight average: follows the weights before ``start_step``, then averages every ``every``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from i2i.training.ema import WeightEMA


def _set(model: nn.Linear, value: float) -> None:
    with torch.no_grad():
        model.weight.fill_(value)
        model.bias.fill_(value)


def test_average_follows_the_weights_until_start_step_then_averages():
    model = nn.Linear(2, 2)
    ema = WeightEMA(model, decay=0.5, start_step=3, every=2)
    for step, value in [(1, 1.0), (2, 2.0)]:
        _set(model, value)
        ema.step(model, step)
        assert torch.equal(ema.average.weight, model.weight)  # validation sees the live model
    _set(model, 4.0)
    ema.step(model, 3)  # odd step: not an averaging step
    assert ema.average.weight[0, 0].item() == pytest.approx(2.0)
    ema.step(model, 4)  # 0.5 * 2 + 0.5 * 4
    assert ema.average.weight[0, 0].item() == pytest.approx(3.0)
    assert ema.average.bias[0].item() == pytest.approx(3.0)
    assert not ema.average.weight.requires_grad
