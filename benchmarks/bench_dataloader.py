"""Data-loader throughput: samples/s at 256x256 with augmentation, for 0, 1 and 2 workers.

Writes a Light My Cells demo dataset with fields of ``--field`` pixels (real LMC fields are
about 1000-2000 pixels a side) into a temporary folder, then times the training loader of the
usual recipe pipeline (percentile normalisation of the whole field, random resized crop to 256,
flips, rot90) over ``--batches`` batches after one warm-up batch. With ``--isl DIR`` it also
times the real ISL sample (13 phase-contrast PNG planes stacked, 16 tiles of 256).

Is the loader fast enough for a GPU? A training step of the paper's VQGAN costs 3.1 TFLOP per
256² sample (counted by ``benchmarks/bench_model.py``), so a GPU with a dense bf16 peak of P
TFLOP/s can consume at most P / 3.1 samples per second — and real steps typically reach well
under half of the peak. From the one-worker rate (workers are independent processes, so the
rate scales with the cores given to them) the benchmark prints how many loader workers keep up
with such a GPU running at its full peak: an upper bound on what the GPU can ask for, not an
estimate.

    python benchmarks/bench_dataloader.py --field 1024 --batches 20
"""

from __future__ import annotations

import argparse
import tempfile
import time
from math import ceil
from pathlib import Path

TRANSFORMS = [
    {"name": "percentile_normalize"},
    {"name": "random_resized_crop", "size": 256},
    {"name": "flip"},
    {"name": "rot90"},
]
PAPER_TFLOP_PER_SAMPLE = 3.1  # training step of the paper's VQGAN at 256², bench_model.py
GPU_BF16_PEAK_TFLOPS = {"A100": 312, "H100 SXM": 989, "H200": 989}  # dense, vendor figures
ISL_REGEX = (
    r"(?P<fov>.+),(?:z_depth-(?P<z>\d+)|depth_computation-MAXPROJECT),"
    r"channel-(?P<channel>\w+),is_mask-false\.png"
)


def samples_per_second(
    dataset: dict, transforms: list, workers: int, batches: int, repeat: int
) -> float:
    from i2i.data import build_dataloaders

    data = {
        "dataset": dataset,
        "transforms": transforms,
        "split": {"val_fraction": 0.0},
        "batch_size": 8,
        "num_workers": workers,
        "repeat": repeat,
    }
    loader = build_dataloaders(data, seed=0).train
    done, start = 0, 0.0
    while done < batches + 1:
        for batch in loader:
            if done == 0:
                start = time.perf_counter()  # after the warm-up batch (workers started)
            elif done <= batches:
                assert batch["input"].shape[-2:] == (256, 256)
            done += 1
            if done > batches:
                break
    return batches * 8 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--field", type=int, default=1024, help="demo field side (pixels)")
    parser.add_argument("--batches", type=int, default=20, help="timed batches of 8")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--isl", type=Path, help="folder of the ISL sample (optional)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=8,
        help="data.repeat: epochs of the small demo as long as a real dataset's, so the timed "
        "batches do not include a worker restart every few batches (1: the demo as it is)",
    )
    args = parser.parse_args()

    from i2i_plugins.datasets.demo import write_lmc_demo

    with tempfile.TemporaryDirectory() as folder:
        write_lmc_demo(folder, size=args.field)
        cases = {f"lmc demo {args.field}px, z=each": ({"name": "lmc", "root": folder}, TRANSFORMS)}
        if args.isl:
            isl = {
                "name": "pattern",
                "root": str(args.isl),
                "regex": ISL_REGEX,
                "inputs": ["PHASE_CONTRAST"],
                "targets": ["DAPI_CONFOCAL", "MAP2_CONFOCAL", "NFH_CONFOCAL"],
                "z": "all",
                "tiles": {"grid": 4},
            }
            tile_transforms = [
                {"name": "percentile_normalize"},
                {"name": "flip"},
                {"name": "rot90"},
            ]
            cases["isl 13 PNG planes, 16 tiles"] = (isl, tile_transforms)
        for name, (dataset, transforms) in cases.items():
            rates = {}
            for workers in args.workers:
                rates[workers] = samples_per_second(
                    dataset, transforms, workers, args.batches, args.repeat
                )
                print(f"{name:34s} workers={workers}: {rates[workers]:7.1f} samples/s")
            if 1 in rates:
                _report_gpu_bound(rates[1])


def _report_gpu_bound(per_worker: float) -> None:
    """Workers needed to feed each GPU at its full bf16 peak (an upper bound on its demand)."""
    for gpu, peak in GPU_BF16_PEAK_TFLOPS.items():
        demand = peak / PAPER_TFLOP_PER_SAMPLE
        workers = ceil(demand / per_worker)
        print(
            f"  {gpu} at 100% of its {peak} TFLOP/s bf16 peak trains at most {demand:.0f} "
            f"samples/s of the paper model: {workers} workers at {per_worker:.1f} samples/s each"
        )


if __name__ == "__main__":
    main()
