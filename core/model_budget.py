"""Building a model described by a file a user did not write, within a parameter budget.

A weights file's metadata says which model to build; a few hundred bytes can ask for a model
of billions of parameters (``base_channels: 20000``) and exhaust the machine before the file's
tensors are even compared with it. :func:`build_within_budget` first builds the model on
PyTorch's ``meta`` device, where tensors have shapes but no storage, so the size is known for
free. Global parameter and buffer registration hooks (``torch.nn.modules.module.
register_module_parameter_registration_hook``) count what the build registers and stop it past
``MAX_TENSORS`` tensors, so even a spec of millions of layers costs little. Only a model within
the budget is returned; the caller then checks the file's tensors against it and builds it
for real.

A component that cannot be built on the meta device (its constructor reads tensor values) is
built on the CPU instead, under the same hooks: that build stops at the first parameter past
the limit, so memory stays within the limit plus one tensor.

The limit is ``I2I_MAX_MODEL_PARAMETERS`` (default :data:`DEFAULT_MAX_PARAMETERS`, far above any
real translator: the paper's VQGAN has 58 million) or the ``max_parameters`` argument.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn
from torch.nn.modules import module as torch_module

from i2i.errors import I2IError
from i2i.weights import WeightsError

MAX_PARAMETERS_ENV = "I2I_MAX_MODEL_PARAMETERS"
DEFAULT_MAX_PARAMETERS = 2_000_000_000
"""Two billion values (8 GB as float32): 34 times the paper's 58-million-parameter VQGAN."""

MAX_TENSORS = 20_000
"""The most parameter and buffer tensors a model may register (the paper's VQGAN has about
400, large timm backbones a few thousand); building 20,000 on the meta device takes seconds."""

ModelT = TypeVar("ModelT", bound=nn.Module)


class ModelTooLargeError(WeightsError):
    """A file describes a model with more parameters than the configured limit."""


class _OverBudget(Exception):
    """Raised inside the registration hook to stop a build; never escapes this module."""

    def __init__(self, what: str):
        self.what = what  # "more than N parameters" or "more than N parameter tensors"
        super().__init__(what)


def max_parameters() -> int:
    """The parameter limit: ``I2I_MAX_MODEL_PARAMETERS`` or :data:`DEFAULT_MAX_PARAMETERS`."""
    raw = os.environ.get(MAX_PARAMETERS_ENV, "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_PARAMETERS
    try:
        value = int(float(raw)) if "e" in raw.lower() else int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise I2IError(
            f"{MAX_PARAMETERS_ENV}={os.environ[MAX_PARAMETERS_ENV]!r} is not a positive whole "
            "number of parameters; write e.g. 5000000000 or 5e9, or unset it for the default "
            f"({DEFAULT_MAX_PARAMETERS:,})."
        )
    return value


def build_within_budget(
    build: Callable[[], ModelT], source: str | Path, limit: int | None = None
) -> ModelT:
    """``build()`` on the meta device (CPU if it cannot), refused beyond ``limit`` values.

    Parameters and buffers both count. ``source`` (the file whose metadata describes the
    model) is named in the error, with the model's parameter count.
    """
    limit = max_parameters() if limit is None else limit
    try:
        with _counting(None) as count, torch.device("meta"):
            model = build()
    except _OverBudget as over:
        raise _too_large(source, limit, over.what) from None
    except (NotImplementedError, RuntimeError):
        return _build_on_cpu(build, source, limit)  # a constructor that needs tensor values
    if count.values > limit:
        raise _too_large(source, limit, f"{count.values:,} parameters")
    return model


def _build_on_cpu(build: Callable[[], ModelT], source: str | Path, limit: int) -> ModelT:
    try:
        with _counting(limit):
            return build()
    except _OverBudget as over:
        raise _too_large(source, limit, over.what) from None


def _too_large(source: str | Path, limit: int, what: str) -> ModelTooLargeError:
    return ModelTooLargeError(
        f"{source}: the model its metadata describes has {what}, beyond what i2i builds from "
        f"a file (at most {limit:,} parameters, {MAX_PARAMETERS_ENV}, and {MAX_TENSORS:,} "
        "tensors); it was not built. Such a file was not written by i2i for a real model, or "
        f"was edited. If you trust it, raise the limit with {MAX_PARAMETERS_ENV}=<count>."
    )


@dataclass
class _Count:
    values: int = 0
    tensors: int = 0


@contextmanager
def _counting(limit: int | None) -> Iterator[_Count]:
    """Count the parameters and buffers this thread registers; stop past ``limit`` values.

    Past ``MAX_TENSORS`` tensors the build stops too, whatever their size: a spec of a
    million layers would otherwise take minutes and gigabytes of Python objects even on the
    meta device.
    """
    thread = threading.get_ident()
    count = _Count()

    def hook(module: nn.Module, name: str, tensor: torch.Tensor | None) -> None:
        if tensor is None or threading.get_ident() != thread:
            return
        count.values += tensor.numel()
        count.tensors += 1
        if limit is not None and count.values > limit:
            raise _OverBudget(f"more than {limit:,} parameters")
        if count.tensors > MAX_TENSORS:
            raise _OverBudget(f"more than {MAX_TENSORS:,} parameter tensors")

    handles = [
        torch_module.register_module_parameter_registration_hook(hook),
        torch_module.register_module_buffer_registration_hook(hook),
    ]
    try:
        yield count
    finally:
        for handle in handles:
            handle.remove()
