"""Training checkpoints: written atomically, the last K kept, restored exactly.

A checkpoint is a folder ``checkpoints/step_<N>/``:

- ``<module>.safetensors`` — weights of each module (model, discriminator, EMA);
- ``optim.pt`` — optimizer, scheduler and gradient-scaler states (tensors and numbers only,
  loaded with ``torch.load(weights_only=True)``: nothing is unpickled);
- ``state.json`` — step, epoch, position in the epoch, best validation value, extra counters;
- ``rng_rank<R>.json`` — Python, NumPy and torch (CPU and CUDA) random states of each process.

It is assembled under a temporary name (the same on every process, which all write into it) and
moved into place with :func:`i2i.atomic.move_into_place`, so an interrupted write never leaves a
half checkpoint under a ``step_*`` name, and a checkpoint written again for the same step (the
final one of a run ending on a checkpoint step) replaces the old one only once it is complete:
the old one is set aside by a rename and deleted after the new one is renamed in.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_model, save_model
from torch import nn

from i2i.atomic import move_into_place

_PREFIX = "step_"


@dataclass
class Progress:
    """Where training stands; saved in ``state.json``."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    best_value: float | None = None
    best_step: int | None = None
    stale_validations: int = 0
    """Validations in a row without an improvement (``train.early_stopping``)."""
    reference_value: float | None = None
    """The value early stopping compares with: the last one that improved by min_delta."""
    extra: dict[str, Any] = field(default_factory=dict)


def checkpoint_name(step: int) -> str:
    return f"{_PREFIX}{step:08d}"


def list_checkpoints(folder: Path) -> list[Path]:
    """Complete checkpoints in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith(_PREFIX)]
    return sorted(found, key=lambda p: p.name)


def rng_state() -> dict[str, Any]:
    """The random states of this process, as JSON-able values."""
    numpy_state: tuple[Any, ...] = tuple(np.random.get_state(legacy=True))
    state: dict[str, Any] = {
        "python": _to_json(random.getstate()),
        "numpy": [numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]],
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available():
        state["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(_from_json(state["python"]))
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in state["cuda"]])


def _to_json(value: Any) -> Any:
    return [_to_json(v) for v in value] if isinstance(value, tuple) else value


def _from_json(value: Any) -> Any:
    return tuple(_from_json(v) for v in value) if isinstance(value, list) else value


def staging_folder(folder: Path, step: int) -> Path:
    """The temporary folder every process writes its part of a checkpoint into."""
    return folder / f".{checkpoint_name(step)}.partial"


def write_rank_state(staging: Path, rank: int) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    (staging / f"rng_rank{rank}.json").write_text(json.dumps(rng_state()))


def write_main_state(
    staging: Path,
    modules: dict[str, nn.Module],
    optim_states: Mapping[str, object],
    progress: Progress,
) -> None:
    """Weights, optimizer states and progress (main process only)."""
    staging.mkdir(parents=True, exist_ok=True)
    for name, module in modules.items():
        save_model(module, str(staging / f"{name}.safetensors"))
    torch.save(optim_states, staging / "optim.pt")
    (staging / "state.json").write_text(json.dumps(asdict(progress), indent=2))


def publish(staging: Path, folder: Path, step: int, keep_last: int) -> Path:
    """Move the staged checkpoint into place and delete all but the newest ``keep_last``.

    A checkpoint of the same step is set aside, not deleted, until the new one is renamed in:
    if that rename fails, the old one is put back under its name."""
    final = folder / checkpoint_name(step)
    move_into_place(staging, final)
    for old in list_checkpoints(folder)[:-keep_last]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load_checkpoint(
    checkpoint: Path, modules: dict[str, nn.Module], rank: int
) -> tuple[dict[str, Any], Progress]:
    """Load weights into ``modules`` and this rank's random state; return optimizer states."""
    for name, module in modules.items():
        load_model(module, str(checkpoint / f"{name}.safetensors"))
    optim_states = torch.load(checkpoint / "optim.pt", weights_only=True, map_location="cpu")
    progress = Progress(**json.loads((checkpoint / "state.json").read_text()))
    rng_file = checkpoint / f"rng_rank{rank}.json"
    if not rng_file.exists():
        rng_file = checkpoint / "rng_rank0.json"
    set_rng_state(json.loads(rng_file.read_text()))
    return optim_states, progress
