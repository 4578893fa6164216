"""GroupNorm in ONNX with its statistics reduced axis by axis, so onnxruntime matches PyTorch.

The TorchScript-based exporter writes ``aten::group_norm`` as a reshape to (B, G, N) and an
``InstanceNormalization``, whose mean and variance onnxruntime sums over all N = C/G·H·W
elements of a group in one fp32 pass: its error grows with N (normalised output off by 2e-7 at
N = 4096, 2e-5 at 2¹⁸ and 6e-4 at 2²² on random data of mean 1, where PyTorch stays
within 1.4e-6), so a VQGAN's ONNX output drifted past 1e-4 from its PyTorch forward (the
tests' tiny one from 180² tiles on, the paper's 3.1e-4 at 256²). Here the group's mean and
variance are ``ReduceMean`` over one axis at a time (x, y, then the group's channels), each a
short sum (9e-6 at 2²²); the mean of equal-sized rows' means is the group's mean, so this is the
same function, in plain fp32 ONNX operators.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import torch

_OP = "aten::group_norm"

_Op = Callable[..., torch._C.Value]
"""``GraphContext.op``: an ONNX node of the named operator, its output."""


class _Graph(Protocol):
    """The part of the exporter's (private) ``GraphContext`` that the symbolic uses."""

    op: _Op


@contextmanager
def exact_group_norm(opset: int) -> Iterator[None]:
    """Within the block, ``torch.onnx.export`` writes GroupNorm with staged reductions."""
    torch.onnx.register_custom_op_symbolic(_OP, _group_norm, opset)
    try:
        yield
    finally:
        torch.onnx.unregister_custom_op_symbolic(_OP, opset)


@torch.onnx.symbolic_helper.parse_args("v", "i", "v", "v", "f", "i")
def _group_norm(
    g: _Graph,
    x: torch._C.Value,
    groups: int,
    weight: torch._C.Value | None,
    bias: torch._C.Value | None,
    eps: float,
    cudnn_enabled: int,
) -> torch._C.Value:
    from torch.onnx import symbolic_helper, symbolic_opset9

    rank = symbolic_helper._get_tensor_rank(x)
    channels = symbolic_helper._get_tensor_dim_size(x, 1)
    if rank is None or channels is None:  # shapes unknown: the exporter's own formulation
        return symbolic_opset9.group_norm(g, x, groups, weight, bias, eps, cudnn_enabled)
    op = g.op
    dtype = x.type().dtype() or torch.float32
    shape = op("Shape", x)  # [B, C, *spatial]
    grouped_shape = op(
        "Concat",
        op("Slice", shape, _longs(op, [0]), _longs(op, [1])),
        _longs(op, [groups, channels // groups]),
        op("Slice", shape, _longs(op, [2]), _longs(op, [rank])),
        axis_i=0,
    )
    grouped = op("Reshape", x, grouped_shape)  # (B, G, C/G, *spatial)
    axes = list(range(rank, 1, -1))  # the last spatial axis first, the group's channels last
    centred = op("Sub", grouped, _staged_mean(op, grouped, axes))
    variance = _staged_mean(op, op("Mul", centred, centred), axes)  # (B, G, 1, ...)
    scale = op("Sqrt", op("Add", variance, op("Constant", value_t=torch.tensor(eps, dtype=dtype))))
    normalized = op("Reshape", op("Div", centred, scale), shape)  # (B, C, *spatial)
    per_channel = _longs(op, [channels] + [1] * (rank - 2))
    if not symbolic_helper._is_none(weight):
        normalized = op("Mul", normalized, op("Reshape", weight, per_channel))
    if not symbolic_helper._is_none(bias):
        normalized = op("Add", normalized, op("Reshape", bias, per_channel))
    return normalized


def _staged_mean(op: _Op, x: torch._C.Value, axes: list[int]) -> torch._C.Value:
    """The mean over ``axes``, one axis at a time (dimensions kept)."""
    for axis in axes:
        x = op("ReduceMean", x, axes_i=[axis], keepdims_i=1)
    return x


def _longs(op: _Op, values: list[int]) -> torch._C.Value:
    return op("Constant", value_t=torch.tensor(values, dtype=torch.int64))
