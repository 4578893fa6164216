"""A model that cannot be traced is refused with the component that fails named (its part and
registered name), not all of the model's components."""

from __future__ import annotations

import pytest
import torch
from bioimageio_support import VQGAN_SPEC
from torch import nn

from i2i.model import build_model
from i2i_plugins.bioimageio.tracing import TracingError, onnx_bytes, torchscript_bytes


class _RoundStraightThrough(torch.autograd.Function):
    """Rounding with the identity as gradient: a Python function TorchScript cannot save."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return x.round()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad


class RoundingQuantizer(nn.Module):
    """Quantizes to integers with a custom autograd Function (the quantizer's contract)."""

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict]:
        return _RoundStraightThrough.apply(z), z.new_zeros(()), {}


class HistogramGenerator(nn.Module):
    """Adds the mean of a 4-bin histogram: ``aten::histc`` has no ONNX operator."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z) + torch.histc(z, 4).mean()


def translator_with(part: str, name: str, replace) -> nn.Module:
    torch.manual_seed(0)
    translator = build_model(VQGAN_SPEC).eval()
    setattr(translator, part, replace(getattr(translator, part)))
    translator.spec = {**translator.spec, part: {"name": name}}
    return translator


def example() -> torch.Tensor:
    return torch.rand(1, 1, 32, 32)


def test_torchscript_names_the_quantizer_that_cannot_be_saved():
    translator = translator_with("quantizer", "rounding", lambda _: RoundingQuantizer())
    with pytest.raises(TracingError) as caught:
        torchscript_bytes(translator, example())
    message = str(caught.value)
    assert "exported to TorchScript: its quantizer 'rounding' cannot be traced" in message
    assert "Could not export Python function call '_RoundStraightThrough'" in message
    assert "encoder 'vqgan'" not in message and "generator" not in message
    assert onnx_bytes(translator, example())  # ONNX inlines the Function: only one format fails


def test_onnx_names_the_generator_with_an_operator_it_lacks():
    translator = translator_with("generator", "histogram", HistogramGenerator)
    with pytest.raises(TracingError) as caught:
        onnx_bytes(translator, example())
    message = str(caught.value)
    assert "exported to ONNX: its generator 'histogram' cannot be traced" in message
    assert "aten::histc" in message
    assert "encoder 'vqgan'" not in message and "quantizer" not in message
    assert torchscript_bytes(translator, example())
