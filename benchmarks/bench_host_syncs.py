"""Host-device syncs per training step: how often a step turns a device tensor into a Python
number (``float(t)``, ``t.item()``, ``t.tolist()``, ``bool(t)``, ``f"{t:.4f}"``), copies a Python
number to the device (``torch.tensor(x, device=...)``) or asks for a data-dependent shape
(``t.nonzero()``). On a GPU each of these drains the CUDA queue: the host waits for every kernel
queued so far, and the GPU idles while the host queues the next ones.

Run: python benchmarks/bench_host_syncs.py [--steps 60] [--log-every 1,50] [--smoke]

Trains a small VQGAN (the quickstart's configuration: cosine-similarity codebook started by
k-means with dead codes restarted, MSE + codebook + hinge GAN with the adaptive weight from the
first step) on the Light My Cells demo, and counts, during each optimizer step (generator step,
discriminator step, logging; not the data loading, validation or checkpoints), the calls of the
operations above made by i2i code, where they were made, and the CPU time they took. On a CUDA
machine it also counts every synchronising CUDA call of the step, whoever makes it
(``torch.cuda.set_sync_debug_mode``). On a CPU a conversion costs microseconds: what the count
measures is the number of GPU queue drains a step would have. ``--smoke`` runs a tiny model for
a few steps (the test suite runs it so that this script keeps working).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import yaml

_I2I_PACKAGES = ("i2i.", "i2i_plugins.")
_CONVERSIONS = ("__float__", "__int__", "__bool__", "__format__", "item", "tolist", "nonzero")

QUICKSTART_LEVELS = {
    "ch": 16,
    "ch_mult": [1, 2, 4],
    "num_res_blocks": 1,
    "z_channels": 8,
    "groups": 8,
    "mid_attention": False,
}
TINY_LEVELS = {"ch": 8, "ch_mult": [1, 2], "num_res_blocks": 1, "z_channels": 4, "groups": 4}


@dataclass
class StepRecord:
    step: int
    logged: bool
    seconds: float
    conversions: int
    conversion_seconds: float
    cuda_syncs: int


@dataclass
class SyncCounter:
    """Counts the conversions i2i code makes while ``active``; records one row per step."""

    active: bool = False
    conversions: int = 0
    conversion_seconds: float = 0.0
    cuda_syncs: int = 0
    sites: collections.Counter[str] = field(default_factory=collections.Counter)
    steps: list[StepRecord] = field(default_factory=list)
    started: float | None = None
    _depth: int = 0

    def counted(self, name: str, original: Callable) -> Callable:
        """``original`` (a Tensor method or ``torch.tensor``), counting calls from i2i code."""

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if not self.active or self._depth:
                return original(*args, **kwargs)
            caller = sys._getframe(1)
            module = caller.f_globals.get("__name__", "")
            counts = module.startswith(_I2I_PACKAGES) and _is_sync(name, args, kwargs)
            self._depth += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1
                if counts:
                    self.conversion_seconds += time.perf_counter() - started
                    self.conversions += 1
                    self.sites[f"{module}:{caller.f_lineno} {name}"] += 1

        return wrapper

    def end_step(self, step: int, logged: bool, seconds: float) -> None:
        self.steps.append(
            StepRecord(
                step,
                logged,
                seconds,
                self.conversions,
                self.conversion_seconds,
                self.cuda_syncs,
            )
        )
        self.conversions, self.conversion_seconds, self.cuda_syncs = 0, 0.0, 0


def _is_sync(name: str, args: tuple, kwargs: dict) -> bool:
    if name != "tensor":
        return True
    data = args[0] if args else kwargs.get("data")
    return not isinstance(data, torch.Tensor) and kwargs.get("device") is not None


@contextlib.contextmanager
def counting(counter: SyncCounter) -> Iterator[None]:
    """Patch the conversions and the trainer's step methods for the duration."""
    from i2i.training.trainer import Trainer

    patched: list[tuple[object, str, object]] = []

    def patch(owner: object, name: str, replacement: object) -> None:
        patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    for name in _CONVERSIONS:
        patch(torch.Tensor, name, counter.counted(name, getattr(torch.Tensor, name)))
    patch(torch, "tensor", counter.counted("tensor", torch.tensor))
    for name in ("generator_step", "discriminator_step"):
        patch(Trainer, name, _in_step(counter, getattr(Trainer, name)))
    patch(Trainer, "_after_step", _step_end(counter, Trainer._after_step))
    try:
        yield
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def _in_step(counter: SyncCounter, method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(trainer, *args, **kwargs):
        if counter.started is None:
            counter.started = time.perf_counter()
        counter.active = True
        try:
            with _cuda_sync_warnings(counter):
                return method(trainer, *args, **kwargs)
        finally:
            counter.active = False

    return wrapper


def _step_end(counter: SyncCounter, method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(trainer, *args, **kwargs):
        step, config = trainer.progress.step, trainer.config
        logged = step % config.log_every == 0 or step == 1
        counter.active = True
        try:
            with _cuda_sync_warnings(counter):
                method(trainer, *args, **kwargs)
        finally:
            counter.active = False
        now = time.perf_counter()
        counter.end_step(step, logged, now - (counter.started or now))
        counter.started = now

    return wrapper


@contextlib.contextmanager
def _cuda_sync_warnings(counter: SyncCounter) -> Iterator[None]:
    """Count CUDA's synchronising calls (a warning each in sync debug mode)."""
    if not torch.cuda.is_available():
        yield
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            yield
        finally:
            torch.cuda.set_sync_debug_mode("default")
    counter.cuda_syncs += sum("synchroniz" in str(w.message) for w in caught)


def write_recipe(folder: Path, data: Path, steps: int, log_every: int, smoke: bool) -> Path:
    levels = TINY_LEVELS if smoke else QUICKSTART_LEVELS
    codebook = {"codebook_size": 16 if smoke else 512, "code_dim": 4 if smoke else 8}
    recipe = {
        "name": "host_syncs",
        "data": {
            "dataset": {"name": "lmc", "root": str(data), "targets": ["Nucleus", "Mitochondria"]},
            "transforms": [
                {"name": "percentile_normalize"},
                {"name": "random_crop", "size": 32 if smoke else 96},
                {"name": "flip"},
            ],
            "val_transforms": [
                {"name": "percentile_normalize"},
                {"name": "center_crop", "size": 32},
            ],
            "split": {"val_fraction": 0.25, "group_by": "study"},
            "batch_size": 4,
            "num_workers": 0,
        },
        "model": {
            "in_channels": 1,
            "out_channels": 2,
            "encoder": {"name": "vqgan", **levels},
            "quantizer": {
                "name": "vector",
                **codebook,
                "normalize": True,
                "init": "kmeans",
                "restart_dead_codes": True,
            },
            "generator": {"name": "vqgan", **levels},
            "discriminator": {"name": "patchgan", "ndf": 8, "n_layers": 2},
        },
        "losses": [
            {"name": "mse"},
            {"name": "codebook"},
            {"name": "gan", "loss": "hinge", "disc_weight": 0.05, "disc_start": 0},
        ],
        "train": {
            "max_steps": steps,
            "log_every": log_every,
            "validate_every": steps,
            "checkpoint_every": steps,
            "keep_last": 1,
            "best_metric": "pcc",
            "trackers": [],
            "runs_root": str(folder / "runs"),
        },
        "evaluate": {"metrics": [{"name": "pcc"}]},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"log_every_{log_every}.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def measure(folder: Path, data: Path, steps: int, log_every: int, smoke: bool) -> SyncCounter:
    import i2i

    recipe = write_recipe(folder, data, steps, log_every, smoke)
    counter = SyncCounter()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), counting(counter):
        i2i.train(recipe, device="auto")  # the progress bar goes to stderr
    return counter


def summarise(log_every: int, counter: SyncCounter) -> dict[str, float]:
    """Figures over the steps between the first and the last (k-means start; validation and
    checkpoint): mean counts, the median step time (the machine may be shared) and the share of
    the steps' time spent in the conversions."""
    middle = counter.steps[1:-1] or counter.steps
    quiet = [s for s in middle if not s.logged]
    logged = [s for s in middle if s.logged]
    seconds = statistics.median(s.seconds for s in middle)
    share = sum(s.conversion_seconds for s in middle) / max(sum(s.seconds for s in middle), 1e-9)
    return {
        "log_every": log_every,
        "syncs_quiet_step": _mean([s.conversions for s in quiet]),
        "syncs_log_step": _mean([s.conversions for s in logged]),
        "syncs_per_step": sum(s.conversions for s in middle) / len(middle),
        "cuda_syncs_per_step": (
            _mean([s.cuda_syncs for s in middle]) if torch.cuda.is_available() else math.nan
        ),
        "step_ms": 1000 * seconds,
        "conversion_share": share,
    }


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else math.nan


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="optimizer steps per run")
    parser.add_argument("--log-every", default="1,50", help="train.log_every values to compare")
    parser.add_argument("--smoke", action="store_true", help="a tiny model for 4 steps")
    parser.add_argument("--sites", action="store_true", help="print where the syncs are made")
    args = parser.parse_args(argv)
    steps = 4 if args.smoke else args.steps
    intervals = [int(v) for v in args.log_every.split(",")]
    if args.smoke:
        intervals = [1, 100]
    from i2i_plugins.datasets.demo import write_lmc_demo

    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_lmc_demo(folder / "data", size=64 if args.smoke else 128, seed=0)
        for log_every in intervals:
            run = folder / f"log_every_{log_every}"
            counter = measure(run, folder / "data", steps, log_every, args.smoke)
            rows.append(summarise(log_every, counter))
            if args.sites:
                print(f"log_every {log_every}: where, per step (all steps)")
                for site, count in counter.sites.most_common():
                    print(f"  {count / len(counter.steps):6.2f}/step  {site}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"\n{steps} steps per run on {device}, torch {torch.__version__}")
    print("log_every  syncs/step (not logged, logged, mean)  CUDA syncs/step  step ms  share")
    for row in rows:
        print(
            f"{row['log_every']:>9}  {row['syncs_quiet_step']:>10.1f} {row['syncs_log_step']:>8.1f}"
            f" {row['syncs_per_step']:>8.2f}  {row['cuda_syncs_per_step']:>15.1f}"
            f"  {row['step_ms']:>7.1f}  {100 * row['conversion_share']:.2f} %"
        )
    print(
        "syncs: conversions by i2i code in a step (the first and last steps left out); "
        "share: their CPU time over the step time"
    )
    return rows


if __name__ == "__main__":
    main()
