"""TorchScript and ONNX from an i2i translator, traced with its quantizer, and checked.

The traced module is the prediction alone (``translator(x)[0]``: encoder, quantizer, generator;
no loss, no logs). TorchScript comes from :func:`torch.jit.trace`; ONNX from the TorchScript-based
:func:`torch.onnx.export` (opset 17) with dynamic batch, height and width, and GroupNorm written
with its statistics reduced one axis at a time (:mod:`.exact_norm`: onnxruntime's one-pass
``InstanceNormalization`` drifts from PyTorch as the image grows, past 1e-4 on the tests' tiny
VQGAN from 180² tiles on). The VQGAN quantizer traces as one nearest-code search (its chunks
would be frozen at the traced count), so any input size runs. Each traced model is run on the
export's real test image and must equal the PyTorch forward within ``TOLERANCE``. When tracing
fails, each part (encoder, quantizer, generator) is traced alone on the input it gets in the
model's forward, and the error names the first part that fails, with its registered name.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from i2i.errors import I2IError
from i2i_plugins.bioimageio.architecture import PredictionOnly
from i2i_plugins.bioimageio.exact_norm import exact_group_norm

TOLERANCE = 1e-4
"""Largest absolute difference (fp32, normalised units) between traced and PyTorch outputs."""
OPSET = 17
PARTS = ("encoder", "quantizer", "generator")


class TracingError(I2IError):
    """A model cannot be traced to TorchScript or ONNX, or its traced outputs differ."""


def torchscript_bytes(translator: nn.Module, example: torch.Tensor) -> bytes:
    """The translator traced on ``example`` (B, C, H, W) as a TorchScript archive."""
    module = PredictionOnly(translator).eval()
    try:
        return _torchscript_archive(module, (example,))
    except Exception as exc:
        raise TracingError(
            _cannot("TorchScript", translator, example, _torchscript_archive, exc)
        ) from exc


def onnx_bytes(translator: nn.Module, example: torch.Tensor) -> bytes:
    """The translator exported to ONNX on ``example``, with dynamic batch, height and width."""
    import onnx

    module = PredictionOnly(translator).eval()
    try:
        exported = _onnx_export(module, (example,), dynamic=True)
    except Exception as exc:
        raise TracingError(_cannot("ONNX", translator, example, _onnx_part, exc)) from exc
    onnx.checker.check_model(exported)
    return exported


Tracer = Callable[[nn.Module, tuple[object, ...]], object]


def _torchscript_archive(module: nn.Module, args: tuple[object, ...]) -> bytes:
    """Traced and saved: saving is where Python calls in the graph (a custom autograd
    ``Function``, say) fail."""
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python values
        torch.jit.save(torch.jit.trace(module, args, check_trace=False), buffer)
    return buffer.getvalue()


def _onnx_export(module: nn.Module, args: tuple[object, ...], *, dynamic: bool) -> bytes:
    axes = {0: "batch", 2: "height", 3: "width"}
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings(), exact_group_norm(OPSET):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            buffer,  # type: ignore[arg-type]  # the stub says a path; dynamo=False also writes file objects
            dynamo=False,
            input_names=["input"] if dynamic else None,
            output_names=["output"] if dynamic else None,
            dynamic_axes={"input": axes, "output": axes} if dynamic else None,
            opset_version=OPSET,
        )
    return buffer.getvalue()


def _onnx_part(module: nn.Module, args: tuple[object, ...]) -> bytes:
    return _onnx_export(module, args, dynamic=False)


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


def _cannot(
    weight_format: str,
    translator: nn.Module,
    example: torch.Tensor,
    tracer: Tracer,
    exc: BaseException,
) -> str:
    """The error of a failed trace, naming the component that fails when traced alone (its
    part and registered name), else all of them."""
    failing = _failing_part(translator, example, tracer)
    if failing is None:
        culprit, error = f"tracing {_components(translator)}", exc
    else:
        part, error = failing
        culprit = f"its {_named(translator, part)} cannot be traced"
    return (
        f"The model cannot be exported to {weight_format}: {culprit} ({_first_line(error)}). "
        f"Export the other formats (--weight-format), or the i2i weights (--format i2i)."
    )


class _FirstOutput(nn.Module):
    """A part with only its first output (a quantizer also returns its loss and logs)."""

    def __init__(self, part: nn.Module):
        super().__init__()
        self.part = part

    def forward(self, *args: object) -> object:
        output = self.part(*args)
        return output[0] if isinstance(output, tuple) else output


def _failing_part(
    translator: nn.Module, example: torch.Tensor, tracer: Tracer
) -> tuple[str, BaseException] | None:
    """The first part (encoder, quantizer, generator) that ``tracer`` fails on alone, given
    the inputs it gets in the model's forward on ``example``; ``None`` when each part traces
    alone (the failure lies between them) or the forward itself fails."""
    parts = {p: m for p in PARTS if isinstance(m := getattr(translator, p, None), nn.Module)}
    inputs: dict[str, tuple[object, ...]] = {}
    hooks = [
        module.register_forward_pre_hook(lambda _, args, part=part: inputs.setdefault(part, args))
        for part, module in parts.items()
    ]
    try:
        with torch.no_grad():
            translator(example)
    except Exception:
        return None
    finally:
        for hook in hooks:
            hook.remove()
    for part, module in parts.items():
        try:
            tracer(_FirstOutput(module).eval(), inputs[part])
        except Exception as exc:
            return part, exc
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _named(translator: nn.Module, part: str) -> str:
    spec = getattr(translator, "spec", {})
    entry = spec.get(part) if isinstance(spec, dict) else None
    return f"{part} {entry['name']!r}" if isinstance(entry, dict) and "name" in entry else part


def _components(translator: nn.Module) -> str:
    named: Sequence[str] = [
        _named(translator, part) for part in PARTS if getattr(translator, part, None) is not None
    ]
    return "its " + ", ".join(named) if named else "it"


def write_bytes(path: Path, data: bytes) -> Path:
    """``data`` written to ``path`` (atomically, usual permissions); ``path``."""
    from i2i.atomic import write_bytes_atomic

    return write_bytes_atomic(path, data)
