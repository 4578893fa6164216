"""TorchScript and ONNX from an i2i translator, traced with its quantizer, and checked.

The traced module is the prediction alone (``translator(x)[0]``: encoder, quantizer, generator;
no loss, no logs). TorchScript comes from :func:`torch.jit.trace`; ONNX from the TorchScript-based
:func:`torch.onnx.export` (opset 17) with dynamic batch, height and width. A ``Split`` node with
a single output is replaced by ``Identity``: it is what tracing makes of ``tensor.split(n)``
when the tensor had at most ``n`` rows (the VQGAN quantizer's chunked nearest-code search), and
with fixed split sizes it would refuse every other input size. Each traced model is run on the
export's real test image and must equal the PyTorch forward within ``TOLERANCE``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from i2i.errors import I2IError

TOLERANCE = 1e-4
"""Largest absolute difference (fp32, normalised units) between traced and PyTorch outputs."""
OPSET = 17
PARTS = ("encoder", "quantizer", "generator")


class TracingError(I2IError):
    """A model cannot be traced to TorchScript or ONNX, or its traced outputs differ."""


class PredictionOnly(nn.Module):
    """``translator(x)[0]``: the prediction, without the quantizer's loss and logs."""

    def __init__(self, translator: nn.Module):
        super().__init__()
        self.translator = translator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output = self.translator(x)
        prediction: torch.Tensor = output[0] if isinstance(output, tuple | list) else output
        return prediction


def torchscript_bytes(translator: nn.Module, example: torch.Tensor) -> bytes:
    """The translator traced on ``example`` (B, C, H, W) as a TorchScript archive."""
    module = PredictionOnly(translator).eval()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about Python values
            traced = torch.jit.trace(module, example, check_trace=False)
    except Exception as exc:
        raise TracingError(_cannot("TorchScript", translator, exc)) from exc
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def onnx_bytes(translator: nn.Module, example: torch.Tensor) -> bytes:
    """The translator exported to ONNX on ``example``, with dynamic batch, height and width."""
    import onnx

    module = PredictionOnly(translator).eval()
    axes = {0: "batch", 2: "height", 3: "width"}
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                buffer,
                dynamo=False,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": axes, "output": axes},
                opset_version=OPSET,
            )
    except Exception as exc:
        raise TracingError(_cannot("ONNX", translator, exc)) from exc
    graph = onnx.load_from_string(buffer.getvalue())
    _single_output_splits_as_identity(graph)
    onnx.checker.check_model(graph)
    data: bytes = graph.SerializeToString()
    return data


def _single_output_splits_as_identity(model: object) -> None:
    from onnx import helper

    nodes = model.graph.node  # type: ignore[attr-defined]
    for index, node in enumerate(list(nodes)):
        if node.op_type == "Split" and len(node.output) == 1:
            identity = helper.make_node("Identity", [node.input[0]], list(node.output), node.name)
            nodes.remove(node)
            nodes.insert(index, identity)


def run_torchscript(data: bytes, x: np.ndarray) -> np.ndarray:
    """The TorchScript archive ``data`` applied to ``x`` (B, C, H, W) on the CPU."""
    module = torch.jit.load(io.BytesIO(data), map_location="cpu")
    with torch.no_grad():
        result: np.ndarray = module(torch.from_numpy(x)).numpy()
    return result


def run_onnx(data: bytes, x: np.ndarray) -> np.ndarray:
    """The ONNX model ``data`` applied to ``x`` (B, C, H, W) with onnxruntime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, {"input": x})[0]
    return result


def check_equal(weight_format: str, expected: np.ndarray, actual: np.ndarray) -> float:
    """The largest absolute difference; above ``TOLERANCE`` a :class:`TracingError`."""
    if expected.shape != actual.shape:
        raise TracingError(
            f"The {weight_format} model returns shape {actual.shape} where the model returns "
            f"{expected.shape}; the traced graph does not generalise to this input size."
        )
    difference = float(np.abs(expected - actual).max())
    if not difference <= TOLERANCE:
        raise TracingError(
            f"The {weight_format} model's output differs from the PyTorch model's by up to "
            f"{difference:.2g} on the test image (allowed: {TOLERANCE:g}). Export without "
            f"{weight_format} (--weight-format) and report the model's components."
        )
    return difference


def _cannot(weight_format: str, translator: nn.Module, exc: BaseException) -> str:
    components = _components(translator)
    return (
        f"The model cannot be exported to {weight_format}: tracing {components} failed with "
        f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}. "
        f"Export the other formats (--weight-format), or the i2i weights (--format i2i)."
    )


def _components(translator: nn.Module) -> str:
    spec = getattr(translator, "spec", {})
    named: Sequence[str] = [
        f"{part} {spec[part]['name']!r}"
        for part in PARTS
        if isinstance(spec, dict) and isinstance(spec.get(part), dict)
    ]
    return "its " + ", ".join(named) if named else "it"


def write_bytes(path: Path, data: bytes) -> Path:
    """``data`` written to ``path`` (atomically, usual permissions); ``path``."""
    from i2i.atomic import write_bytes_atomic

    return write_bytes_atomic(path, data)
