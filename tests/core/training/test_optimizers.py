"""The run's optimizers: torch's fused Adam/AdamW, the same updates as the plain loop, and a
resumed optimizer keeps its own implementation whatever saved the checkpoint."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from i2i.recipe.sections import TrainConfig
from i2i.training.optimizers import Optimizers, fused


def _networks(seed: int = 0) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.Conv2d(4, 1, 1))
    critic = nn.Sequential(nn.Conv2d(1, 4, 4, stride=2), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 2))
    return model, critic


def _train(optimizers: Optimizers, model: nn.Module, critic: nn.Module, steps: int) -> None:
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(2, 1, 8, 8, generator=generator)
        (model(x) - x).abs().mean().backward()
        optimizers.step("generator", sync_gradients=True)
        critic(model(x).detach()).mean().backward()
        optimizers.step("discriminator", sync_gradients=True)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_both_optimizers_are_fused(name: str) -> None:
    model, critic = _networks()
    optimizers = Optimizers.build(TrainConfig(optimizer=name), model, critic)
    assert fused() is True  # torch 2.4+ fuses on the CPU and CUDA
    for optimizer in optimizers.named().values():
        assert optimizer.defaults["fused"] is True


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_fused_updates_equal_the_plain_loop(name: str) -> None:
    config = TrainConfig(optimizer=name, lr=1e-2, weight_decay=0.1, betas=(0.5, 0.9))
    fused_model, fused_critic = _networks()
    _train(Optimizers.build(config, fused_model, fused_critic), fused_model, fused_critic, 5)

    loop_model, loop_critic = _networks()
    loop = Optimizers.build(config, loop_model, loop_critic)
    for optimizer in loop.named().values():
        for group in optimizer.param_groups:
            group.update(fused=None, foreach=False)
    _train(loop, loop_model, loop_critic, 5)

    fused_weights = [*fused_model.parameters(), *fused_critic.parameters()]
    loop_weights = [*loop_model.parameters(), *loop_critic.parameters()]
    assert any((w - w0).abs().max() > 1e-3 for w, w0 in zip(fused_weights, _initial(), strict=True))
    for one_kernel, plain in zip(fused_weights, loop_weights, strict=True):
        torch.testing.assert_close(one_kernel, plain, rtol=1e-5, atol=1e-6)


def _initial() -> list[torch.Tensor]:
    model, critic = _networks()
    return [p.detach() for p in (*model.parameters(), *critic.parameters())]


def test_a_resumed_optimizer_keeps_its_own_implementation() -> None:
    config = TrainConfig(lr=1e-2)
    old_model, old_critic = _networks()
    old = Optimizers.build(config, old_model, old_critic)
    for optimizer in old.named().values():  # a checkpoint saved by the plain loop
        for group in optimizer.param_groups:
            group.update(fused=None, foreach=False)
    _train(old, old_model, old_critic, 2)
    states = copy.deepcopy(old.state_dict(scaler=None))  # as written to and read from disk

    model, critic = _networks()
    model.load_state_dict(old_model.state_dict())
    critic.load_state_dict(old_critic.state_dict())
    resumed = Optimizers.build(config, model, critic)
    resumed.load_state_dict(states, scaler=None)
    for optimizer in resumed.named().values():
        assert [g["fused"] for g in optimizer.param_groups] == [True]
        assert [g["foreach"] for g in optimizer.param_groups] == [None]
    _train(old, old_model, old_critic, 2)
    _train(resumed, model, critic, 2)
    for continued, resumed_weight in zip(old_model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(resumed_weight, continued, rtol=1e-5, atol=1e-6)
