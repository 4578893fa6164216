"""Contract tests over every registered model component (encoders, quantizers, generators,
discriminators), each built from its registered ``example`` parameters: output shapes for
several channel counts and sizes (non-square too), backward pass, determinism, and a state-dict
round trip through safetensors."""

from __future__ import annotations

import inspect

import pytest
import torch

import i2i
from i2i.plugins import load_host
from i2i.weights import load_weights, save_weights

MODEL_KINDS = ("encoders", "quantizers", "generators", "discriminators")
CHANNELS = [(1, 1), (3, 4)]
SIZES = [(32, 64), (64, 32)]


def _components():
    registries = load_host().registries
    return [
        pytest.param(kind, component.name, id=f"{kind[:-1]}-{component.name}")
        for kind in MODEL_KINDS
        for component in registries.kind(kind)
    ]


def _consumes_pyramid(component) -> bool:
    return "feature_channels" in inspect.signature(component.resolve_factory()).parameters


def _build(kind: str, name: str, cin: int, cout: int):
    """The component and a function making an input of a given (H, W)."""
    component = i2i.registries.kind(kind).get(name)
    if kind == "encoders":
        module = component.build(component.example, in_channels=cin)
        return module, lambda h, w: torch.randn(2, cin, h, w)
    if kind == "quantizers":
        module = component.build(component.example, channels=cin)
        return module, lambda h, w: torch.randn(2, cin, h // 4, w // 4)
    if kind == "discriminators":
        module = component.build(component.example, in_channels=cout)
        return module, lambda h, w: torch.randn(2, cout, h, w)
    if _consumes_pyramid(component):
        channels, reductions = [4, 8], [2, 4]
        module = component.build(
            component.example,
            in_channels=8,
            out_channels=cout,
            feature_channels=channels,
            feature_reductions=reductions,
        )
        return module, lambda h, w: [
            torch.randn(2, c, h // r, w // r) for c, r in zip(channels, reductions, strict=True)
        ]
    module = component.build(component.example, in_channels=cin, out_channels=cout)
    return module, lambda h, w: torch.randn(2, cin, h // 4, w // 4)  # a latent or small image


def _tensors(output) -> list[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return [output]
    return [t for t in output if isinstance(t, torch.Tensor)]


def _is_log_value(value) -> bool:
    """A Python float or a detached 0-d tensor (see i2i.training.step_logs)."""
    if isinstance(value, torch.Tensor):
        return value.ndim == 0 and not value.requires_grad
    return isinstance(value, float)


def _check_shapes(kind, module, x, output, cin, cout, size):
    h, w = size
    if kind == "encoders":
        last = output[-1] if isinstance(output, list) else output
        f = module.downsample_factor
        assert last.shape == (2, module.out_channels, h // f, w // f)
    elif kind == "quantizers":
        z_q, loss, logs = output
        assert z_q.shape == x.shape and loss.ndim == 0
        assert all(_is_log_value(v) and "/" in k for k, v in logs.items())
    elif kind == "generators":
        assert output.shape[:2] == (2, cout)
        if not isinstance(x, list):
            scale = output.shape[-1] / x.shape[-1]
            assert output.shape[-2:] == (x.shape[-2] * scale, x.shape[-1] * scale)
        else:
            assert output.shape[-2:] == size
    else:
        assert output.shape[:2] == (2, 1) and output.shape[-1] > output.shape[-2] * (w > h)


@pytest.mark.parametrize(("kind", "name"), _components())
@pytest.mark.parametrize(("cin", "cout"), CHANNELS)
@pytest.mark.parametrize("size", SIZES)
def test_shapes_and_backward(kind, name, cin, cout, size):
    torch.manual_seed(0)
    module, make = _build(kind, name, cin, cout)
    x = make(*size)
    leaves = [t.requires_grad_() for t in _tensors(x)]
    output = module.train()(x)
    _check_shapes(kind, module, x, output, cin, cout, size)
    first = _tensors(output)[0]
    (first.square().mean() + (output[1] if kind == "quantizers" else 0)).backward()
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads), "no parameter gradient"
    assert all(g is None or torch.isfinite(g).all() for g in grads)
    assert leaves[0].grad is not None and torch.isfinite(leaves[0].grad).all()


@pytest.mark.parametrize(("kind", "name"), _components())
def test_deterministic(kind, name):
    outputs = []
    for _ in range(2):
        torch.manual_seed(0)
        module, make = _build(kind, name, 3, 2)
        x = make(32, 32)
        with torch.no_grad():
            outputs.append(_tensors(module.eval()(x)))
    for first, second in zip(*outputs, strict=True):
        torch.testing.assert_close(first, second, rtol=0, atol=0)


@pytest.mark.parametrize(("kind", "name"), _components())
def test_safetensors_round_trip(kind, name, tmp_path):
    torch.manual_seed(0)
    module, make = _build(kind, name, 2, 3)
    module.train()(make(32, 32))  # data-dependent state (k-means codebook, BN statistics)
    save_weights(tmp_path / "w.safetensors", module, {"component": name})
    state, metadata = load_weights(tmp_path / "w.safetensors")
    assert metadata["component"] == name and "i2i_version" in metadata
    torch.manual_seed(1)
    fresh, _ = _build(kind, name, 2, 3)
    fresh.load_state_dict(state, strict=True)
    x = make(32, 32)
    with torch.no_grad():
        for a, b in zip(_tensors(module.eval()(x)), _tensors(fresh.eval()(x)), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
