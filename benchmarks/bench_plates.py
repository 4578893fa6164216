"""Whole-plate prediction: fields per second and peak memory, 1 vs 2 processes, plate vs files.

Run: python benchmarks/bench_plates.py [--field 1080] [--tile 256] [--smoke]

Builds an HCS OME-Zarr plate of 2 x 2 wells x 4 fields of ``--field``² pixels (1080²: a JUMP
site) whose three channels are the real JUMP bright-field planes (``../shared/data``, 512²,
mirrored up to the field size and shifted per field), and weights of a small UNet (depth 2,
16 base channels, 3 bright-field planes in, DNA out; nothing trained: the cost is the same).
Then, each in a fresh process (model loading and start-up included, as a user runs it):

- ``plate, 1 process``: ``i2i plate predict plate -o out``;
- ``plate, 2 processes``: the same under ``torchrun --nproc_per_node 2`` (each process with
  half the cores' threads);
- ``files, 1 process``: the same 16 fields as separate ``.ome.zarr`` files, ``i2i predict
  folder/ -o out/``: the plate machinery's overhead is the difference to ``plate, 1 process``.

Reported: wall seconds, fields per second, CPU seconds of all processes (the overhead is
computed from them: on a shared machine other work stretches wall time, not CPU time), peak
resident memory of the largest process, and the load average (``uptime``) before and after.
``--smoke`` (1 x 2 wells x 1 field of 128², run by a test) checks that everything runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("I2I_SHARED_DATA", ROOT.parent / "shared" / "data"))
CHANNELS = ["BF_over", "BF_under", "BF_focus"]
SPEC = {
    "in_channels": 3,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 16, "norm": "group", "groups": 4},
}
PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
sys.exit(code)
"""


def bright_field(size: int, shift: int) -> np.ndarray:
    """The three real JUMP bright-field planes, mirrored up to ``size``², rolled by ``shift``."""
    from i2i.io import open_image

    names = ("brightfield_over.tiff", "brightfield_under.tiff", "brightfield_focus.tiff")
    planes = []
    for name in names:
        plane = open_image(SHARED / "jump_cpg0000_bf" / name).read_plane()
        reps = -(-size // plane.shape[0])
        tiled = np.block([[plane, plane[:, ::-1]], [plane[::-1], plane[::-1, ::-1]]])
        tiled = np.tile(tiled, (reps, reps))[:size, :size]
        planes.append(np.roll(tiled, shift, axis=(0, 1)))
    return np.stack(planes)[None, :, None]  # (1, 3, 1, Y, X)


def build_plate(folder: Path, wells: list[str], fields: int, size: int) -> Path:
    """An NGFF 0.5 plate written with the plugin's skeleton and i2i's OME-Zarr writer."""
    from i2i.image import PixelSizes
    from i2i.io import write_image
    from i2i_plugins.hcs_plates.metadata import Well
    from i2i_plugins.hcs_plates.writing import PlateLayout, write_skeleton

    layout = PlateLayout(
        tuple(sorted({w.split("/")[0] for w in wells})),
        tuple(sorted({w.split("/")[1] for w in wells})),
        tuple(Well(*w.split("/"), tuple(str(f) for f in range(fields))) for w in wells),
        tuple(CHANNELS),
    )
    plate = folder / "plate.ome.zarr"
    write_skeleton(plate, layout, 3, "bench")
    for index, address in enumerate(f"{w}/{f}" for w in wells for f in range(fields)):
        write_image(
            plate / address,
            bright_field(size, 37 * index),
            channel_names=CHANNELS,
            pixel_sizes=PixelSizes(y=0.598, x=0.598),
            writer={"name": "ome_zarr", "zarr_format": 3},
        )
    return plate


def save_model(path: Path) -> Path:
    import torch

    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(0)
    contract = {"input_channels": CHANNELS, "output_channels": ["DNA"], "pixel_size_um": 0.598}
    save_weights(
        path, build_model(SPEC).eval(), {"recipe": {"model": SPEC}, "input_contract": contract}
    )
    return path


def fields_as_files(plate: Path, folder: Path) -> Path:
    """Each field copied to ``folder/<well>_<field>.ome.zarr`` (same writer, same chunks)."""
    from i2i.io import convert_image
    from i2i_plugins.hcs_plates.metadata import read_plate

    folder.mkdir()
    for address in read_plate(plate).field_addresses:
        convert_image(plate / address, folder / f"{address.replace('/', '_')}.ome.zarr")
    return folder


def timed(command: list[str], threads: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all processes) and peak RSS (MiB, largest process) of
    ``command`` in a fresh process."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    cpu, peak = done.stdout.split()[-2:]
    return seconds, float(cpu), int(peak) / 1024


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--field", type=int, default=1080, help="Field side in pixels.")
    parser.add_argument("--tile", type=int, default=256, help="Tile side in pixels.")
    parser.add_argument("--smoke", action="store_true", help="Tiny plate: check that it runs.")
    args = parser.parse_args(argv)
    wells = ["A/01", "A/02"] if args.smoke else ["A/01", "A/02", "B/01", "B/02"]
    fields, size = (1, 128) if args.smoke else (4, args.field)
    count = len(wells) * fields
    cores = os.cpu_count() or 1
    i2i = [sys.executable, "-m", "i2i"]
    torchrun = [str(Path(sys.executable).with_name("torchrun")), "--standalone"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        plate = build_plate(folder, wells, fields, size)
        weights = save_model(folder / "bf_dna.safetensors")
        files = fields_as_files(plate, folder / "files")
        predict = [
            "plate",
            "predict",
            str(plate),
            "-m",
            str(weights),
            "--tile-size",
            str(args.tile),
        ]
        runs = {
            "plate, 1 process": ([*i2i, *predict, "-o", str(folder / "p1.ome.zarr")], cores),
            "plate, 2 processes": (
                [
                    *torchrun,
                    "--nproc_per_node",
                    "2",
                    "-m",
                    "i2i",
                    *predict,
                    "-o",
                    str(folder / "p2.ome.zarr"),
                ],
                max(1, cores // 2),
            ),
            "files, 1 process": (
                [
                    *i2i,
                    "predict",
                    str(files),
                    "-m",
                    str(weights),
                    "--tile-size",
                    str(args.tile),
                    "-o",
                    str(folder / "f1"),
                ],
                cores,
            ),
        }
        before = load()
        measured = {name: timed(command, threads) for name, (command, threads) in runs.items()}
        after = load()
    print(f"{count} fields of {size}² x 3 channels, tiles {args.tile}², {cores} cores")
    print(f"load before: {before}\nload after:  {after}")
    print(
        f"{'run':<22}{'wall s':>8}{'fields/s':>10}{'CPU s':>8}{'CPU s/field':>13}{'peak MiB':>10}"
    )
    figures: dict[str, float] = {}
    for name, (seconds, cpu, peak) in measured.items():
        print(
            f"{name:<22}{seconds:>8.1f}{count / seconds:>10.3f}{cpu:>8.1f}{cpu / count:>13.2f}"
            f"{peak:>10.0f}"
        )
        figures[f"{name} seconds"] = seconds
        figures[f"{name} cpu_seconds"] = cpu
        figures[f"{name} peak_mib"] = peak
    # CPU time is the fair comparison on a shared machine: other work stretches wall time.
    overhead = measured["plate, 1 process"][1] / measured["files, 1 process"][1] - 1
    speedup = measured["plate, 1 process"][0] / measured["plate, 2 processes"][0]
    figures["plate overhead vs files"] = overhead
    figures["2-process speed-up"] = speedup
    print(f"plate machinery vs the same fields as files (CPU time): {overhead:+.1%}")
    print(f"2 processes vs 1: x{speedup:.2f}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
