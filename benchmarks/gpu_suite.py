"""One command that measures i2i's speed on whatever device it finds (issue 21).

Run:  python benchmarks/gpu_suite.py [--json gpu_suite.json] [--device auto] [--smoke]
          [--sections env,train,profile,optimizer,warmup,predict,data,max_batch,compile,ddp]
          [--batch N] [--image N]

(the paper model on a CPU, where the time goes: --device cpu --sections env,profile --batch 1
--image 128)

Sections (each a row group of the printed table and a key of the JSON file):

- ``train``: the paper configuration's GAN training step (ch 128, ch_mult [1, 2, 4], 8192 × 3
  codes, 3-layer PatchGAN; 3 → 3 channels, 58.1 M parameters) at batch 16, 256², after
  ``disc_start``: generator forward, L1 + codebook loss, the critic on the prediction, the hinge
  loss with the adaptive weight (two ``autograd.grad`` at the decoder's last layer), backward and
  the fused Adam step; then the critic's step. The step is built from i2i's own parts (the
  recipe's model, :class:`i2i.training.losses.LossSet`, :class:`i2i.training.optimizers.
  Optimizers`) in the order of ``Trainer.generator_step`` / ``discriminator_step``, without
  Accelerate. Variants: fp32 (TF32 allowed), bf16 autocast, bf16 + channels_last. Samples/s,
  peak memory, TFLOP/s (FLOPs counted by ``torch.utils.flop_counter`` in the second step).
  With ``TAMING_PATH`` set to a taming-transformers checkout, ``benchmarks/bench_model.py
  --batch 16`` times taming's modules on the same device (printed as a hint, not repeated).
- ``profile``: where the bf16 + channels_last step's time goes (``torch.profiler``, the ops'
  own time on the device): convolutions, norms, attention, the optimizer, the quantizer's code
  search, element-wise and the rest.
- ``optimizer``: one step of both optimizers over the paper model's parameters (gradients
  set), torch's fused Adam as i2i builds it against torch's default implementation (a loop of
  per-parameter operations on the CPU, ``foreach`` on CUDA), as i2i built it before.
- ``warmup``: a step before ``disc_start``, as taming and i2i did it (the critic runs and its
  loss is multiplied by 0) and with the critic skipped (its optimizer still steps on zero
  gradients, so the weights after ``disc_start`` are the same).
- ``max_batch``: the largest batch (doubling from 16) whose bf16 + channels_last step fits.
- ``predict``: ``i2i.prediction.Predictor`` (bf16, channels_last, 256² tiles, overlap 0.25) on a
  2048² and an 8192² 3-channel field: seconds, tiles/s, and the overhead over the bare forward
  on the same number of tiles already on the device.
- ``data``: the training loader (percentile normalisation, random crop 256, flip, rot90; batch
  16) reading 1024² fields from OME-TIFF and from OME-Zarr with 1 … N workers, in samples/s,
  against the measured step rate (``keeps_up``).
- ``compile``: the bf16 + channels_last step under ``torch.compile`` (the first step's time,
  mostly compiling, reported apart). It runs late: the sections before it are written to the
  JSON file (after every section) even if compiling outlasts a time limit.
- ``ddp``: two-process DistributedDataParallel scaling of the bf16 + channels_last step, when
  two CUDA devices exist (NCCL); skipped otherwise (``--smoke`` runs it on the CPU with gloo so
  that the code path is tested).

``--smoke`` runs every section with tiny sizes (a few seconds on a CPU); the test suite runs it
(``tests/benchmarks/test_gpu_suite.py``) so that the suite cannot rot. The full sizes finish in
about 8 minutes on one H100/H200 (most of it ``torch.compile``). Figures go to
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

if TYPE_CHECKING:
    from i2i.training.optimizers import Optimizers

SECTIONS = (
    "env", "train", "profile", "optimizer", "warmup", "predict", "data", "max_batch", "compile",
    "ddp",
)  # fmt: skip
PAPER = ["model.in_channels=3", "model.out_channels=3"]
TINY = [  # --smoke: the paper recipe with tiny networks
    *PAPER,
    *(f"model.{part}.{key}" for part in ("encoder", "generator") for key in (
        "ch=8", "ch_mult=[1,2]", "num_res_blocks=1", "z_channels=4", "groups=4",
    )),
    "model.quantizer.codebook_size=16", "model.quantizer.code_dim=4",
    "model.discriminator.ndf=8", "model.discriminator.n_layers=2",
]  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    """What each section runs: the full sizes of issue 21, or tiny ones for ``--smoke``."""

    overrides: list[str]
    image: int = 256
    batch: int = 16
    warmup_steps: int = 3
    timed_steps: int = 10
    max_batch: int = 512
    predict_sizes: tuple[int, ...] = (2048, 8192)
    tile: int = 256
    tile_batch: int = 16
    data_field: int = 1024
    data_fields: int = 8
    data_batches: int = 20
    workers: tuple[int, ...] = (1, 2, 4, 8, 14)
    compile_backend: str = "inductor"
    profile_steps: int = 3


FULL = Sizes(PAPER)
SMOKE = Sizes(
    TINY,
    image=32,
    batch=2,
    warmup_steps=1,
    timed_steps=2,
    max_batch=4,
    predict_sizes=(64, 96),
    tile=32,
    tile_batch=4,
    data_field=64,
    data_fields=2,
    data_batches=2,
    workers=(1,),
    compile_backend="eager",
    profile_steps=1,
)
VARIANTS = {  # name: (autocast dtype or None, channels_last, compiled)
    "fp32": (None, False, False),
    "bf16": (torch.bfloat16, False, False),
    "bf16_cl": (torch.bfloat16, True, False),
    "bf16_cl_compile": (torch.bfloat16, True, True),
}


# ----------------------------------------------------------------------------- device
def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_gib(device: torch.device) -> float | None:
    """Peak memory allocated by tensors since :func:`reset_peak` (CUDA only)."""
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(device) / 2**30


def environment(device: torch.device) -> dict[str, object]:
    """Device, software versions and date: what every figure is measured on."""
    from i2i import __version__

    info: dict[str, object] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "device": str(device),
        "i2i": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "load_average": list(os.getloadavg()),
    }
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        info |= {
            "gpu": properties.name,
            "gpu_memory_gib": round(properties.total_memory / 2**30, 1),
            "gpu_count": torch.cuda.device_count(),
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
        }
    return info


# ----------------------------------------------------------------------------- the GAN step
class GANStep:
    """The paper recipe's GAN step on ``device``, from i2i's parts (see the module docstring)."""

    def __init__(
        self,
        sizes: Sizes,
        device: torch.device,
        variant: str,
        disc_start: int = 0,
        skip_critic_in_warmup: bool = False,
    ):
        from i2i import load_recipe
        from i2i.model import build_model
        from i2i.plugins import get_registries
        from i2i.training.losses import LossSet
        from i2i.training.optimizers import Optimizers

        recipe = load_recipe("paper_vqgan", [*sizes.overrides, f"losses.2.disc_start={disc_start}"])
        registries = get_registries()
        dtype, channels_last, compiled = VARIANTS[variant]
        self.memory = torch.channels_last if channels_last else torch.contiguous_format
        self.model = build_model(recipe.model.model_dump(exclude={"discriminator"})).to(device)
        assert recipe.model.discriminator is not None
        self.critic = registries.discriminators.create(
            recipe.model.discriminator, in_channels=recipe.model.out_channels
        ).to(device)
        self.model.to(memory_format=self.memory)
        self.critic.to(memory_format=self.memory)
        self.trained_critic: nn.Module = self.critic  # the critic step's module (DDP: wrapped)
        self.last_layer = self.model.last_layer_weight()
        self.losses = LossSet.build(recipe.losses, registries, has_discriminator=True)
        self.optimizers = Optimizers.build(recipe.train, self.model, self.critic)
        self.compile_seconds = 0.0
        if compiled:
            self.model.compile(backend=sizes.compile_backend)
            self.critic.compile(backend=sizes.compile_backend)
        self.autocast = torch.autocast(device.type, dtype or torch.float32, enabled=bool(dtype))
        self.skip_critic_in_warmup = skip_critic_in_warmup
        self.step_index = 0
        self.device = device

    def batch(self, size: int, image: int) -> dict[str, torch.Tensor]:
        generator = torch.Generator().manual_seed(0)
        shape = (size, 3, image, image)
        x, y = (torch.rand(shape, generator=generator) for _ in range(2))
        return {
            "input": x.to(self.device).contiguous(memory_format=self.memory),
            "target": y.to(self.device).contiguous(memory_format=self.memory),
            "mask": torch.ones(size, 3, device=self.device),
        }

    def __call__(self, batch: dict[str, torch.Tensor]) -> None:
        """One generator step and one critic step (``Trainer.generator_step`` and
        ``discriminator_step`` without Accelerate)."""
        adversarial, step = self.losses.adversarial, self.step_index
        assert adversarial is not None
        critic_runs = not self.skip_critic_in_warmup or adversarial.active(step)  # type: ignore[attr-defined]
        with self.autocast:
            prediction, quantizer_loss, _ = self.model(batch["input"])
            prediction = prediction.float()
            reconstruction, _ = self.losses.reconstruction(
                prediction, batch["target"], batch["mask"]
            )
            total = reconstruction + self.losses.quantizer(quantizer_loss)[0]
            if critic_runs:
                with _frozen(self.critic):
                    fake_logits = self.critic(prediction)
                gan, _ = adversarial.generator_loss(
                    reconstruction, fake_logits, self.last_layer, step
                )
                total = total + gan
        total.backward()
        self.optimizers.step("generator", sync_gradients=True)
        if critic_runs:
            mask = batch["mask"][..., None, None] > 0  # (B, C, 1, 1)
            fake = prediction.detach()
            real = torch.where(mask, batch["target"], fake)
            with self.autocast:
                critic = self.trained_critic
                loss, _ = adversarial.discriminator_loss(critic(real), critic(fake), step)
            loss.backward()
        else:  # the warm-up's zero loss, without computing it: Adam steps on zero gradients
            for parameter in self.critic.parameters():
                parameter.grad = torch.zeros_like(parameter)
        self.optimizers.step("discriminator", sync_gradients=True)
        self.step_index += 1


@contextlib.contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in zip(module.parameters(), flags, strict=True):
            parameter.requires_grad_(flag)


def time_steps(
    step: Callable[[], None], device: torch.device, warmup: int, timed: int, count: bool = True
) -> dict[str, float | None]:
    """Seconds of the first (compiling) step, FLOPs of one step (``count``: a compiled step's
    kernels are not counted, and counting could recompile it), seconds per timed step."""
    reset_peak(device)
    start = time.perf_counter()
    step()
    synchronize(device)
    first = time.perf_counter() - start
    counter = FlopCounterMode(display=False)
    with counter if count else contextlib.nullcontext():
        step()
    for _ in range(max(0, warmup - 2)):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(timed):
        step()
    synchronize(device)
    seconds = (time.perf_counter() - start) / timed
    return {
        "first_step_s": first,
        "step_s": seconds,
        "flops": float(counter.get_total_flops()) if count else None,
        "peak_gib": peak_gib(device),
    }


def train_section(
    sizes: Sizes, device: torch.device, variants: list[str], flops: float | None = None
) -> dict[str, dict[str, object]]:
    """The GAN step of each variant; a variant that fails is recorded, the others still run.
    ``flops``: a step's FLOPs when the variant's own count is not possible (compiled)."""
    results: dict[str, dict[str, object]] = {}
    for variant in variants:
        try:
            results[variant] = _train_variant(sizes, device, variant, flops)
        except Exception as error:  # e.g. out of memory in fp32, a compiler failure
            results[variant] = {"error": f"{type(error).__name__}: {error}"}
    return results


def _train_variant(
    sizes: Sizes, device: torch.device, variant: str, flops: float | None
) -> dict[str, object]:
    compiled = VARIANTS[variant][2]
    gan = GANStep(sizes, device, variant)
    batch = gan.batch(sizes.batch, sizes.image)
    step = functools.partial(gan, batch)
    timing = time_steps(step, device, sizes.warmup_steps, sizes.timed_steps, count=not compiled)
    step_flops = float(timing["flops"] or flops or 0.0)
    step_s = float(timing["step_s"] or math.nan)
    return {
        **timing,
        "flops": step_flops,
        "batch": sizes.batch,
        "samples_per_s": sizes.batch / step_s,
        "tflops": step_flops / step_s / 1e12,
        "compile_s": timing["first_step_s"] if compiled else None,
    }


PROFILE_GROUPS = {  # op-name fragments (lower case) of each group, first match wins
    "optimizer": ("fused_adam", "_foreach_", "adam"),
    "convolutions": ("conv",),
    "norms": ("group_norm", "batch_norm"),
    "attention": ("scaled_dot_product", "attention", "bmm", "softmax"),
    "code search (matmul, argmin)": ("mm", "argmin", "cdist", "linear", "embedding"),
    "element-wise": (
        "silu", "leaky", "relu", "add", "mul", "sub", "div", "where", "copy", "fill", "zero",
        "abs", "sign", "pow", "sqrt", "clamp", "neg", "exp", "cat", "sum", "mean", "norm",
    ),
}  # fmt: skip


def profile_section(sizes: Sizes, device: torch.device) -> dict[str, object]:
    """Shares of the step's own op time by group (:data:`PROFILE_GROUPS`)."""
    from torch.profiler import ProfilerActivity, profile

    gan = GANStep(sizes, device, "bf16_cl")
    batch = gan.batch(sizes.batch, sizes.image)
    gan(batch)  # warm-up
    synchronize(device)
    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as profiler:
        for _ in range(sizes.profile_steps):
            gan(batch)
        synchronize(device)
    on_gpu = device.type == "cuda"
    totals: dict[str, float] = dict.fromkeys([*PROFILE_GROUPS, "other"], 0.0)
    ops: dict[str, float] = {}
    for event in profiler.key_averages():
        own = (event.self_device_time_total if on_gpu else event.self_cpu_time_total) / 1e6
        totals[_group(event.key)] += own
        ops[event.key] = own
    whole = sum(totals.values()) or 1.0
    top = sorted(ops.items(), key=lambda item: -item[1])[:8]
    return {
        "steps": sizes.profile_steps,
        "batch": sizes.batch,
        "image": sizes.image,
        "clock": "device" if on_gpu else "cpu",
        "op_seconds_per_step": whole / sizes.profile_steps,
        **{f"{name} %": 100 * seconds / whole for name, seconds in totals.items()},
        "top_ops %": {name: round(100 * seconds / whole, 1) for name, seconds in top},
    }


def _group(op: str) -> str:
    name = op.lower()
    for group, fragments in PROFILE_GROUPS.items():
        if any(fragment in name for fragment in fragments):
            return group
    return "other"


def optimizer_section(sizes: Sizes, device: torch.device) -> dict[str, object]:
    """Seconds per step of both optimizers, fused (i2i's choice) and torch's default."""
    gan = GANStep(sizes, device, "fp32")
    parameters = [*gan.model.parameters(), *gan.critic.parameters()]
    for parameter in parameters:
        parameter.grad = torch.randn_like(parameter) * 1e-3
    implementations = {"fused": gan.optimizers, "default": _with_default_implementation(gan)}
    seconds: dict[str, list[float]] = {name: [] for name in implementations}
    for round_ in range(1 + sizes.timed_steps):  # alternating, after one warm-up round
        for name, optimizers in implementations.items():
            synchronize(device)
            start = time.perf_counter()
            for which in optimizers.named().values():
                which.step()
            synchronize(device)
            if round_:
                seconds[name].append(time.perf_counter() - start)
    fused, default = (float(np.median(seconds[n])) for n in ("fused", "default"))
    return {
        "parameters_m": sum(p.numel() for p in parameters) / 1e6,
        "fused_s": fused,
        "default_s": default,
        "speed_up": default / fused,
    }


def _with_default_implementation(gan: GANStep) -> Optimizers:
    """The step's optimizers rebuilt with torch's default implementation (``fused=None``)."""
    from i2i.recipe.sections import TrainConfig
    from i2i.training.optimizers import Optimizers

    rebuilt = Optimizers.build(TrainConfig(), gan.model, gan.critic)
    for optimizer in rebuilt.named().values():
        for group in optimizer.param_groups:
            group.update(fused=None, foreach=None)
    return rebuilt


def warmup_section(sizes: Sizes, device: torch.device) -> dict[str, dict[str, object]]:
    """Steps before ``disc_start``, the critic run and multiplied by 0 or skipped, interleaved
    step by step (other work on a shared machine slows both alike)."""
    steps = {
        name: GANStep(sizes, device, "bf16_cl", disc_start=10**9, skip_critic_in_warmup=skip)
        for name, skip in (("critic_runs", False), ("critic_skipped", True))
    }
    batch = next(iter(steps.values())).batch(sizes.batch, sizes.image)
    flops: dict[str, float] = {}
    for name, gan in steps.items():
        gan(batch)
        with FlopCounterMode(display=False) as counter:
            gan(batch)
        flops[name] = float(counter.get_total_flops())
    seconds: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(sizes.timed_steps):
        for name, gan in steps.items():
            synchronize(device)
            start = time.perf_counter()
            gan(batch)
            synchronize(device)
            seconds[name].append(time.perf_counter() - start)
    results: dict[str, dict[str, object]] = {}
    for name in steps:
        step_s = float(np.median(seconds[name]))
        results[name] = {
            "step_s": step_s,
            "samples_per_s": sizes.batch / step_s,
            "flops": flops[name],
        }
    return results


def max_batch_section(sizes: Sizes, device: torch.device) -> dict[str, object]:
    """The largest batch, doubling from ``sizes.batch``, whose bf16 + channels_last step fits."""
    gan = GANStep(sizes, device, "bf16_cl")
    fits, batch_size, peak = None, sizes.batch, None
    while batch_size <= sizes.max_batch:
        try:
            reset_peak(device)
            gan(gan.batch(batch_size, sizes.image))
            synchronize(device)
        except torch.OutOfMemoryError:
            break
        fits, peak = batch_size, peak_gib(device)
        batch_size *= 2
    return {"largest_batch": fits, "peak_gib": peak, "tried_up_to": sizes.max_batch}


# ----------------------------------------------------------------------------- prediction
def predict_section(sizes: Sizes, device: torch.device) -> dict[str, dict[str, object]]:
    from i2i import load_recipe
    from i2i.model import build_model
    from i2i.prediction import InputContract, Predictor
    from i2i.prediction.tiling import TileGrid
    from i2i.tiling import Tiling

    recipe = load_recipe("paper_vqgan", [*sizes.overrides, "model.discriminator=null"])
    model = build_model(recipe.model.model_dump()).eval()
    tiling = Tiling(tile_size=sizes.tile, overlap=0.25, batch_size=sizes.tile_batch)
    contract = InputContract(output_channels=["a", "b", "c"])
    predictor = Predictor(
        model, contract, device=device, bf16=True, channels_last=True, tiling=tiling
    )
    rng = np.random.default_rng(0)
    predictor.predict(rng.random((3, 2 * sizes.tile, 2 * sizes.tile), dtype=np.float32))
    results: dict[str, dict[str, object]] = {}
    for size in sizes.predict_sizes:
        image = rng.random((3, size, size), dtype=np.float32)
        tiles = len(TileGrid.plan(size, size, sizes.tile, 0.25))
        synchronize(device)
        start = time.perf_counter()
        predictor.predict(image)
        synchronize(device)
        seconds = time.perf_counter() - start
        bare = _bare_forward(predictor.model, tiles, sizes, device)
        results[f"{size}x{size}"] = {
            "seconds": seconds,
            "tiles": tiles,
            "tiles_per_s": tiles / seconds,
            "bare_forward_s": bare,
            "overhead": seconds / bare - 1,
        }
        del image
    return results


def _bare_forward(network: nn.Module, tiles: int, sizes: Sizes, device: torch.device) -> float:
    """Seconds of the network alone on ``tiles`` tiles already on the device, in batches."""
    network = network.to(device, memory_format=torch.channels_last).eval()
    shape = (sizes.tile_batch, 3, sizes.tile, sizes.tile)
    batch = torch.rand(shape, device=device).contiguous(memory_format=torch.channels_last)
    autocast = torch.autocast(device.type, torch.bfloat16)
    with torch.inference_mode(), autocast:
        network(batch[:1])
        synchronize(device)
        start = time.perf_counter()
        for first in range(0, tiles, sizes.tile_batch):
            network(batch[: min(sizes.tile_batch, tiles - first)])
        synchronize(device)
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- data
def data_section(
    sizes: Sizes, step_rate: float | None, folder: Path
) -> dict[str, dict[str, object]]:
    """Loader samples/s per file format and worker count, against the step rate."""
    results: dict[str, dict[str, object]] = {}
    for suffix in (".ome.tiff", ".ome.zarr"):
        root = folder / suffix.strip(".").replace(".", "_")
        _write_fields(root, suffix, sizes)
        for workers in sizes.workers:
            rate = _loader_rate(root, workers, sizes)
            results[f"{suffix.lstrip('.')} workers={workers}"] = {
                "samples_per_s": rate,
                "keeps_up": None if step_rate is None else rate >= step_rate,
            }
    return results


def _write_fields(root: Path, suffix: str, sizes: Sizes) -> None:
    from i2i.image import PixelSizes
    from i2i.io import write_image

    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    side, rows = sizes.data_field, ["input,Nucleus"]
    for index in range(sizes.data_fields):
        names = [f"field{index}_{channel}{suffix}" for channel in ("BF", "Nucleus")]
        for name, channel in zip(names, ("BF", "Nucleus"), strict=True):
            plane = rng.integers(0, 4000, (side, side), dtype=np.uint16)
            write_image(root / name, plane, [channel], PixelSizes())
        rows.append(",".join(names))
    (root / "fields.csv").write_text("\n".join(rows) + "\n")


def _loader_rate(root: Path, workers: int, sizes: Sizes) -> float:
    from i2i.data import build_dataloaders

    per_epoch = (sizes.data_batches + 1) * sizes.batch
    crop = min(sizes.image, sizes.data_field)
    data = {
        "dataset": {
            "name": "paired_table",
            "root": str(root),
            "table": "fields.csv",
            "targets": ["Nucleus"],
        },
        "transforms": [
            {"name": "percentile_normalize"},
            {"name": "random_crop", "size": crop},
            {"name": "flip"},
            {"name": "rot90"},
        ],
        "split": {"val_fraction": 0.0},
        "batch_size": sizes.batch,
        "num_workers": workers,
        "repeat": math.ceil(per_epoch / sizes.data_fields),
    }
    loader = build_dataloaders(data, seed=0).train
    batches = iter(loader)
    next(batches)  # workers started, first batch read
    start = time.perf_counter()
    for _ in range(sizes.data_batches):
        next(batches)
    return sizes.data_batches * sizes.batch / (time.perf_counter() - start)


# ----------------------------------------------------------------------------- DDP
def ddp_section(sizes: Sizes, device: torch.device, single_rate: float | None) -> dict[str, object]:
    """Two processes, one device each (NCCL), or two CPU processes (gloo) in ``--smoke``."""
    cuda = device.type == "cuda"
    if cuda and torch.cuda.device_count() < 2:
        return {"skipped": f"{torch.cuda.device_count()} CUDA device(s); DDP scaling needs 2"}
    if not cuda and sizes.overrides is not TINY:
        return {"skipped": "no CUDA devices (the CPU path runs in --smoke only)"}
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "ddp.json"
        port = 29500 + os.getpid() % 1000
        mp.spawn(_ddp_worker, args=(sizes, cuda, port, result), nprocs=2, join=True)
        rate = json.loads(result.read_text())["samples_per_s"]
    return {
        "processes": 2,
        "samples_per_s": rate,
        "one_process_samples_per_s": single_rate,
        "scaling": None if not single_rate else rate / single_rate,
    }


def _ddp_worker(rank: int, sizes: Sizes, cuda: bool, port: int, result: Path) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    os.environ |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=2)
    device = torch.device("cuda", rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    gan = GANStep(sizes, device, "bf16_cl")
    ids = [rank] if cuda else None
    gan.model = DistributedDataParallel(gan.model, device_ids=ids)  # type: ignore[assignment]
    gan.trained_critic = DistributedDataParallel(gan.critic, device_ids=ids)
    batch = gan.batch(sizes.batch, sizes.image)
    timing = time_steps(
        functools.partial(gan, batch), device, sizes.warmup_steps, sizes.timed_steps
    )
    rate = 2 * sizes.batch / float(timing["step_s"] or math.nan)
    if rank == 0:
        result.write_text(json.dumps({"samples_per_s": rate}))
    dist.barrier()
    dist.destroy_process_group()


# ----------------------------------------------------------------------------- report
@dataclass
class Report:
    sizes: str
    results: dict[str, object] = field(default_factory=dict)

    json_path: Path | None = None

    def add(self, section: str, value: object) -> None:
        """Record and print a section's results; rewrite the JSON file (a run stopped by its
        time limit keeps the sections it finished)."""
        self.results[section] = value
        print(_table(section, value), flush=True)
        if self.json_path is not None:
            payload = {"kind": self.sizes, **self.results}
            self.json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def _table(section: str, value: object) -> str:
    lines = [f"\n== {section}"]
    rows = value.items() if isinstance(value, dict) else [("", value)]
    for name, row in rows:
        if isinstance(row, dict):
            cells = ", ".join(f"{k} {_number(v)}" for k, v in row.items())
            lines.append(f"  {name:24s} {cells}")
        else:
            lines.append(f"  {name:24s} {_number(row)}")
    return "\n".join(lines)


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def run(
    sections: list[str], sizes: Sizes, device: torch.device, json_path: Path | None = None
) -> Report:
    """Run ``sections`` in order; a section that fails is recorded and the others still run."""
    report = Report("smoke" if sizes.overrides is TINY else "full", json_path=json_path)
    report.results["sizes"] = asdict(sizes)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    step_rate: float | None = None
    step_flops: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for section in sections:
            started = time.perf_counter()
            try:
                value: object
                if section == "env":
                    value = environment(device)
                elif section == "train":
                    value = train_section(sizes, device, ["fp32", "bf16", "bf16_cl"])
                    eager = value["bf16_cl"]
                    step_rate = eager.get("samples_per_s")  # type: ignore[assignment]
                    step_flops = eager.get("flops")  # type: ignore[assignment]
                elif section == "compile":
                    value = train_section(sizes, device, ["bf16_cl_compile"], step_flops)
                elif section == "profile":
                    value = profile_section(sizes, device)
                elif section == "optimizer":
                    value = optimizer_section(sizes, device)
                elif section == "warmup":
                    value = warmup_section(sizes, device)
                elif section == "max_batch":
                    value = max_batch_section(sizes, device)
                elif section == "predict":
                    value = predict_section(sizes, device)
                elif section == "data":
                    value = data_section(sizes, step_rate, Path(folder))
                else:
                    value = ddp_section(sizes, device, step_rate)
            except Exception as error:  # one failed section must not hide the others
                value = {"error": f"{type(error).__name__}: {error}"}
            report.add(section, value)
            print(f"  ({section}: {time.perf_counter() - started:.1f} s)", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("gpu_suite.json"))
    parser.add_argument("--device", default="auto", help="auto, cuda, cuda:1, cpu")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (the test suite's run)")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--batch", type=int, help="training batch instead of the section's size")
    parser.add_argument("--image", type=int, help="training image side instead of 256")
    args = parser.parse_args(argv)
    from i2i.device import resolve_device

    device = resolve_device(args.device)
    sections = [s for s in args.sections.split(",") if s]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    sizes = SMOKE if args.smoke else FULL
    if args.batch or args.image:
        sizes = replace(sizes, batch=args.batch or sizes.batch, image=args.image or sizes.image)
    print(f"i2i GPU suite on {device} ({'smoke' if args.smoke else 'full'} sizes: {sizes})")
    if os.environ.get("TAMING_PATH"):
        print("TAMING_PATH is set: run benchmarks/bench_model.py --batch 16 for taming's modules")
    report = run(sections, sizes, device, args.json)
    print(f"\nwrote {args.json}")
    return 1 if any(_failed(value) for value in report.results.values()) else 0


def _failed(value: object) -> bool:
    """Whether a section's results, or one of its rows, hold an error."""
    if not isinstance(value, dict):
        return False
    return "error" in value or any(_failed(row) for row in value.values())


if __name__ == "__main__":
    sys.exit(main())
