"""Speed of the exported formats: onnxruntime (CPU) vs i2i's PyTorch forward, fp32 and bf16.

Run: python benchmarks/bench_export.py [--repeats 5] [--warmup 1] [--threads CORES] [--json PATH]
                                       [--smoke]

Two cases, each exported to ONNX with the bioimageio plugin's tracing
(:func:`i2i_plugins.bioimageio.tracing.onnx_bytes`, the code behind ``i2i zoo export --format
onnx`` and the packages' ONNX weights: the prediction alone, quantizer included, opset 17,
dynamic batch, height and width):

- ``vqgan``: the paper's VQGAN (``recipes/paper_vqgan.yaml``: ch 128, ch_mult [1, 2, 4], 8192
  codes; 1 input and 1 output channel as the Light My Cells recipes that extend it: one
  transmitted-light plane to one organelle), built untrained (weights do not change the speed),
  on one 256 x 256 tile (the recipe's ``predict.tile_size``);
- ``unet``: the bundled ``isl-phase-dapi-unet`` (13 phase-contrast planes to DAPI) on a whole
  1024 x 1024 image in one forward pass. It is traced on a 256 x 256 tile, as a package is, and
  runs at 1024 x 1024 only because the exported graph's height and width are dynamic axes.

Variants, each on the same input: ``onnxruntime`` (CPUExecutionProvider), ``i2i fp32`` (the
translator's forward, as ``Predictor`` calls it, under ``torch.inference_mode``) and ``i2i bf16``
(the same under ``torch.autocast("cpu", torch.bfloat16)``, i2i's ``--bf16``); onnxruntime's
intra-op threads and torch's are the cores this process may use (``--threads``). After
``--warmup`` calls of each (the first also gives the outputs compared), the variants run
interleaved ``--repeats`` times (the order rotated every round) so that other work on a shared
machine slows all three alike; the table gives the median throughput, the spread
((max - min) / median of the call times) and the ratio to fp32. The largest difference of the
ONNX and bf16 outputs from fp32 is reported beside them: the variants compute the same thing.
``--smoke`` runs the quickstart VQGAN on a 64 x 64 tile and the UNet on 128 x 128 (the tests).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

from i2i import load_recipe
from i2i.model import Translator, build_model, load_translator
from i2i_plugins.bioimageio.tracing import PredictionOnly, onnx_bytes

VARIANTS = ("onnxruntime", "i2i fp32", "i2i bf16")
UNET_WEIGHTS = "isl-phase-dapi-unet.safetensors"


@dataclass
class Case:
    """One model on one input: what is exported, what the variants run on, how it is counted."""

    name: str
    description: str
    translator: Translator
    input: np.ndarray  # (1, C, H, W) float32, normalised units
    traced_on: tuple[int, int]  # height and width of the export's example input
    unit: str  # "tiles/s" or "images/s"


def cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def paper_vqgan(smoke: bool) -> Translator:
    """The paper recipe's translator (untrained, no discriminator); the quickstart's in smoke."""
    recipe = load_recipe("quickstart" if smoke else "paper_vqgan")
    spec = recipe.model.model_dump()
    spec.pop("discriminator", None)  # training only: not part of the prediction
    torch.manual_seed(0)
    return build_model(spec).eval()


def bundled_unet() -> Translator:
    """The bundled ``isl-phase-dapi-unet`` translator with its trained weights."""
    path = Path(str(files("i2i.model_zoo") / UNET_WEIGHTS))
    translator, _ = load_translator(path)
    return translator.eval()


def cases(smoke: bool) -> list[Case]:
    """The VQGAN on one tile and the UNet on a whole image (small sizes with ``smoke``)."""
    rng = np.random.default_rng(0)
    vqgan = paper_vqgan(smoke)
    unet = bundled_unet()
    tile, image, traced = (64, 128, 64) if smoke else (256, 1024, 256)
    vqgan_in = int(vqgan.spec["in_channels"])
    unet_in = int(unet.spec["in_channels"])
    return [
        Case(
            "vqgan",
            f"{'quickstart' if smoke else 'paper'} VQGAN, {vqgan_in} -> "
            f"{vqgan.spec['out_channels']} channels, one {tile}² tile",
            vqgan,
            rng.random((1, vqgan_in, tile, tile), dtype=np.float32),
            (tile, tile),
            "tiles/s",
        ),
        Case(
            "unet",
            f"isl-phase-dapi-unet, {unet_in} -> {unet.spec['out_channels']} channels, "
            f"whole {image}² image",
            unet,
            rng.random((1, unet_in, image, image), dtype=np.float32),
            (traced, traced),
            "images/s",
        ),
    ]


def torch_forward(translator: Translator, bf16: bool) -> Callable[[np.ndarray], np.ndarray]:
    """i2i's forward on the CPU (fp32, or under bf16 autocast as ``Predictor`` does)."""
    module = PredictionOnly(translator).eval()

    def run(x: np.ndarray) -> np.ndarray:
        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
        ):
            return module(torch.from_numpy(x)).float().numpy()

    return run


def onnx_forward(data: bytes, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """An onnxruntime CPU session of ``data`` with ``threads`` intra-op threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # no warnings about initializers the optimiser removed
    session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])

    def run(x: np.ndarray) -> np.ndarray:
        result: np.ndarray = session.run(None, {"input": x})[0]
        return result

    return run


def export(case: Case) -> tuple[bytes, float]:
    """The case's translator as ONNX (traced on a ``traced_on`` example) and the seconds taken."""
    channels = case.input.shape[1]
    example = torch.rand(1, channels, *case.traced_on, generator=torch.Generator().manual_seed(1))
    start = time.perf_counter()
    data = onnx_bytes(case.translator, example)
    return data, time.perf_counter() - start


@dataclass
class VariantFigures:
    """One variant's call times (seconds) and what follows from them."""

    median_s: float
    min_s: float
    max_s: float
    spread_pct: float  # (max - min) / median
    throughput: float  # calls per second: tiles/s or images/s
    ratio_to_fp32: float  # throughput / fp32 throughput
    max_abs_diff_to_fp32: float
    seconds: list[float]


@dataclass
class CaseResult:
    """One case's export and its variants' figures."""

    description: str
    input_shape: list[int]
    onnx_traced_on: list[int]
    onnx_dynamic_axes_needed: bool  # traced on another size than it runs on
    onnx_export_s: float
    onnx_mb: float
    parameters: int
    unit: str
    repeats: int
    warmup: int
    variants: dict[str, VariantFigures]


def measure(case: Case, threads: int, repeats: int, warmup: int) -> CaseResult:
    """Export, check and time the three variants of ``case`` interleaved."""
    data, export_s = export(case)
    runs = {
        "onnxruntime": onnx_forward(data, threads),
        "i2i fp32": torch_forward(case.translator, bf16=False),
        "i2i bf16": torch_forward(case.translator, bf16=True),
    }
    outputs = {name: run(case.input) for name, run in runs.items()}  # first call: checks
    for _ in range(warmup - 1):
        for run in runs.values():
            run(case.input)
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for round_index in range(repeats):
        shift = round_index % len(VARIANTS)
        for name in VARIANTS[shift:] + VARIANTS[:shift]:
            start = time.perf_counter()
            runs[name](case.input)
            seconds[name].append(time.perf_counter() - start)
    fp32_median = statistics.median(seconds["i2i fp32"])
    variants = {}
    for name in VARIANTS:
        times = seconds[name]
        median = statistics.median(times)
        variants[name] = VariantFigures(
            median_s=median,
            min_s=min(times),
            max_s=max(times),
            spread_pct=100 * (max(times) - min(times)) / median,
            throughput=1 / median,
            ratio_to_fp32=fp32_median / median,
            max_abs_diff_to_fp32=float(np.abs(outputs[name] - outputs["i2i fp32"]).max()),
            seconds=times,
        )
    return CaseResult(
        description=case.description,
        input_shape=list(case.input.shape),
        onnx_traced_on=list(case.traced_on),
        onnx_dynamic_axes_needed=case.traced_on != tuple(case.input.shape[2:]),
        onnx_export_s=export_s,
        onnx_mb=len(data) / 1e6,
        parameters=sum(p.numel() for p in case.translator.parameters()),
        unit=case.unit,
        repeats=repeats,
        warmup=warmup,
        variants=variants,
    )


def environment(threads: int) -> dict[str, object]:
    """Versions, threads, date and the machine's load when the run started."""
    import onnxruntime

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_1_5_15": [round(load, 2) for load in os.getloadavg()],
        "cores": cores(),
        "threads": threads,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }


def table(results: dict[str, CaseResult]) -> str:
    """The results as a plain-text table: one line per case and variant."""
    lines = [
        f"{'case':<6} {'variant':<12} {'throughput':>16} {'median s':>9} {'spread':>7} "
        f"{'vs fp32':>8} {'max |diff|':>10}"
    ]
    for name, row in results.items():
        for variant, figures in row.variants.items():
            rate = f"{figures.throughput:.3g} {row.unit}"
            lines.append(
                f"{name:<6} {variant:<12} {rate:>16} {figures.median_s:>9.3f} "
                f"{figures.spread_pct:>6.0f}% {figures.ratio_to_fp32:>7.2f}x "
                f"{figures.max_abs_diff_to_fp32:>10.2g}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print the table, write ``--json``; the results as JSON data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds of each variant")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls of each variant")
    parser.add_argument(
        "--threads", type=int, default=cores(), help="threads of onnxruntime and torch (cores)"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--smoke", action="store_true", help="tiny models and sizes (tests)")
    args = parser.parse_args(argv)
    if min(args.repeats, args.warmup, args.threads) < 1:
        parser.error("--repeats, --warmup and --threads must be at least 1")
    torch.set_num_threads(args.threads)
    env = environment(args.threads)
    measured: dict[str, CaseResult] = {}
    for case in cases(args.smoke):
        print(f"{case.name}: {case.description} ...", flush=True)
        measured[case.name] = measure(case, args.threads, args.repeats, args.warmup)
    print(
        f"\n{env['date']}, load {env['load_average_1_5_15']}, {args.threads} threads, "
        f"torch {env['torch']}, onnxruntime {env['onnxruntime']}"
    )
    print(table(measured))
    results: dict[str, object] = {
        "kind": "smoke" if args.smoke else "full",
        "env": env,
        "cases": {name: asdict(row) for name, row in measured.items()},
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
