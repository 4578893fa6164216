"""Random patch reads from a large image: OME-Zarr and OME-TIFF, lazily, against whole reads.

Run: python benchmarks/bench_io.py [--size 4096] [--patch 256] [--reads 200] [--chunk 256]
       [--whole-reads 5] [--bioio-reads 20]

Writes one (1, 1, 1, size, size) uint16 image (smooth structure plus noise, so it compresses
like microscopy) as OME-Zarr (zstd chunks of ``--chunk``²) and as OME-TIFF (zlib tiles of
``--chunk``²) with i2i's writers, then times, for each file:

- ``patch``: ``--reads`` random ``--patch``² windows through ``i2i.open_image(...).read(y, x)``;
- ``whole``: reading the whole image, then cropping the same window (what a non-lazy
  loader does for every patch);
- ``bioio patch``: the first ``--bioio-reads`` windows through bioio's dask path
  (``BioImage.get_image_dask_data``), for reference.

Each line reports reads per second and megabytes of pixels delivered per second. The machine
may be shared: all rows run one after the other in one process; compare ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from i2i.image import PixelSizes
from i2i.io import open_image, write_image


def synthetic_image(size: int, seed: int = 0) -> np.ndarray:
    """A (1, 1, 1, size, size) uint16 image: blurred blobs plus shot-like noise."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((size // 64 + 1, size // 64 + 1))
    smooth = np.kron(coarse, np.ones((64, 64)))[:size, :size]  # (size, size)
    noise = rng.normal(0, 0.03, (size, size))
    plane = np.clip((0.2 + 0.6 * smooth + noise) * 20000, 0, 65535).astype(np.uint16)
    return plane[None, None, None]


def windows(size: int, patch: int, count: int, seed: int = 1) -> list[tuple[slice, slice]]:
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, size - patch + 1, size=(count, 2))
    return [(slice(y, y + patch), slice(x, x + patch)) for y, x in starts]


def rate(read: Callable[[slice, slice], np.ndarray], spots: list[tuple[slice, slice]]) -> float:
    """Reads per second over ``spots`` (after one warm-up read)."""
    read(*spots[0])
    start = time.perf_counter()
    for y, x in spots:
        read(y, x)
    return len(spots) / (time.perf_counter() - start)


def bench_file(path: Path, array: np.ndarray, spots: list[tuple[slice, slice]], args) -> None:
    """Write ``array`` to ``path`` with i2i, then print patch, whole and bioio read rates."""
    from bioio import BioImage

    start = time.perf_counter()
    write_image(path, array, ["signal"], PixelSizes(None, 0.1, 0.1), chunk=args.chunk)
    written = time.perf_counter() - start
    image = open_image(path)
    dask = BioImage(path).get_image_dask_data("YX", T=0, C=0, Z=0)
    rows = {
        "patch": rate(lambda y, x: image.read(y=y, x=x), spots),
        "whole": rate(lambda y, x: image.read()[..., y, x], spots[: args.whole_reads]),
        "bioio patch": rate(lambda y, x: dask[y, x].compute(), spots[: args.bioio_reads]),
    }
    patch_mb = args.patch**2 * 2 / 1e6
    print(f"\n{path.name} ({image.reader} reader; written in {written:.2f} s)")
    for label, per_second in rows.items():
        print(f"  {label:<12} {per_second:9.1f} reads/s  {per_second * patch_mb:8.1f} MB/s")
    print(f"  patch / whole: {rows['patch'] / rows['whole']:.0f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--patch", type=int, default=256)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--whole-reads", type=int, default=5)
    parser.add_argument("--bioio-reads", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=256)
    args = parser.parse_args()

    array = synthetic_image(args.size)
    spots = windows(args.size, args.patch, args.reads)
    print(f"image {args.size}×{args.size} uint16, {args.reads} random {args.patch}² patches")
    with tempfile.TemporaryDirectory() as folder:
        for name in ("bench.ome.zarr", "bench.ome.tif"):
            bench_file(Path(folder) / name, array, spots, args)


if __name__ == "__main__":
    main()
