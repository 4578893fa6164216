"""The logs of a training step, kept on the device until they are written.

Losses, the quantizer and the trainer return their logs as detached 0-d tensors (or Python
numbers for what is a number anyway: a learning rate, a weight that is 0 during a warm-up).
Turning a CUDA tensor into a Python float waits for every kernel queued so far, so the trainer
converts only the logs it writes, every ``train.log_every`` steps: all of them in one transfer
(and, under several processes, one all-reduce).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from accelerate import Accelerator

LogValue = torch.Tensor | float
"""A logged value: a detached 0-d tensor, or a Python number."""

Logs = dict[str, LogValue]
"""Logs by key, namespaced ``"<component>/<name>"`` (``train/loss`` for the total)."""


def logged_floats(logs: Mapping[str, LogValue], accelerator: Accelerator) -> dict[str, float]:
    """``logs`` as Python floats, averaged over processes (each saw its share of the batch).

    One process: the tensors come to the host in one transfer (in their own precision, at
    least float32), the numbers stay as they are. Several: every value is reduced as float32.
    """
    if accelerator.num_processes > 1:
        keys = sorted(logs)
        local = _stacked([logs[k] for k in keys], torch.float32, accelerator.device)
        mean = accelerator.reduce(local, reduction="mean")
        return dict(zip(keys, mean.tolist(), strict=True))
    tensors = {k: v for k, v in logs.items() if isinstance(v, torch.Tensor)}
    values = {k: float(v) for k, v in logs.items() if not isinstance(v, torch.Tensor)}
    if tensors:
        dtype = torch.float32
        for tensor in tensors.values():
            dtype = torch.promote_types(dtype, tensor.dtype)
        stacked = _stacked(list(tensors.values()), dtype, accelerator.device)
        values |= dict(zip(tensors, stacked.tolist(), strict=True))
    return {k: values[k] for k in logs}


def _stacked(values: list[LogValue], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """One (N,) tensor of ``values`` on ``device`` (numbers are filled in, not copied over)."""
    return torch.stack(
        [
            v.detach().reshape(()).to(device, dtype)
            if isinstance(v, torch.Tensor)
            else torch.full((), v, dtype=dtype, device=device)
            for v in values
        ]
    )
