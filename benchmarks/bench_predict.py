"""Speed and memory of whole-image prediction (i2i.prediction).

Run: python benchmarks/bench_predict.py [--size 2048] [--tile 256] [--overlap 0.25] [--repeats 3]
                                        [--skip-throughput] [--skip-options] [--skip-memory]
                                        [--memory-size 8192] [--paper]

1. Throughput (megapixels/s) on a ``--size``² single-channel image with a small conv model
   (4 layers of 3×3 convolutions, 32 channels), ``--tile``² tiles, ``--overlap``, batches of 4:
   - ``bare forward``: the model alone on the same tiles (the engine's tile count), pre-cut;
   - ``i2i engine``: ``sliding_window_predict`` (band reads with reflection, Gaussian blending,
     streamed rows into an array); its overhead over the bare forward is the cost of tiling and
     blending (goal < 5 %);
   - ``i2i Predictor``: plus percentile normalisation and the output sink;
   - ``i2i -> OME-Zarr``: plus writing the file, when an ``.ome.zarr`` writer is installed;
   - ``MONAI``: ``monai.inferers.sliding_window_inference`` with the same tile size, overlap,
     batch and Gaussian blending, when MONAI is installed (it is not an i2i dependency).
   After a warm-up the variants run interleaved ``--repeats`` times and the fastest run of each
   is reported (the least disturbed by other work on a shared machine); compare the ratios.
   Each run also times the model's forward passes inside it: "outside model" is the rest
   (tiling, blending, reads, normalisation, writing) relative to the forward time of the same
   run, which a noisy machine disturbs much less than the ratio of two runs.
2. What channels_last, bf16 and larger tiles buy, on a wider model (6 layers, 64 channels).
3. With ``--paper``: forward time per tile of the paper's VQGAN (about 1 TFLOP per 256² tile)
   under the same options.
4. Peak memory of predicting a ``--memory-size``² image with a tiny model: the image is made
   on the fly region by region and the output is checked and discarded, so the figure is the
   engine's own (resident-set growth, measured in a fresh process) next to the size of the
   float32 output.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from i2i.image import Image, PixelSizes
from i2i.prediction import InputContract, Predictor, sliding_window_predict
from i2i.prediction.tiling import TileGrid
from i2i.tiling import Tiling


def conv_net(width: int, depth: int) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Conv2d(1, width, 3, padding=1), nn.ReLU()]
    for _ in range(depth - 2):
        layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Conv2d(width, 1, 3, padding=1)).eval()


def test_image(size: int) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size].astype(np.float32) / 13
    return (np.sin(yy) * np.cos(xx * 0.7) * 1000 + 2000).astype(np.float32)[None]  # (1, H, W)


class TimedModel(nn.Module):
    """Wraps a model and adds up the time spent in its forward passes."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net
        self.seconds = 0.0

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        start = time.perf_counter()
        output = self.net(tiles)
        self.seconds += time.perf_counter() - start
        return output


def timed(function: Callable[[], Any], model: TimedModel) -> tuple[float, float]:
    """(total seconds, seconds inside the model) of one call."""
    model.seconds = 0.0
    start = time.perf_counter()
    function()
    return time.perf_counter() - start, model.seconds


def throughput(args: argparse.Namespace) -> None:
    net, image = TimedModel(conv_net(32, 4)), test_image(args.size)
    grid = TileGrid.plan(args.size, args.size, args.tile, args.overlap)
    padded = np.pad(image, ((0, 0), (args.tile,) * 2, (args.tile,) * 2), mode="reflect")
    tiles = torch.stack(
        [
            torch.from_numpy(
                padded[:, y + args.tile : y + 2 * args.tile, x + args.tile :][..., : args.tile]
            )
            for y, x in grid
        ]
    )
    output = np.empty_like(image)
    per_band = len(grid.x.starts)

    def bare() -> None:  # the engine's batches: up to 4 tiles of one band at a time
        with torch.inference_mode():
            for band in range(0, len(tiles), per_band):
                for start in range(band, band + per_band, 4):
                    net(tiles[start : min(start + 4, band + per_band)])

    def engine() -> None:
        with torch.inference_mode():
            sliding_window_predict(
                net,
                lambda y, x: image[:, y, x],
                image.shape[1:],
                lambda rows, block: output.__setitem__((slice(None), rows), block),
                Tiling(tile_size=args.tile, overlap=args.overlap, batch_size=4),
            )

    tiling = Tiling(tile_size=args.tile, overlap=args.overlap, batch_size=4)
    predictor = Predictor(net, InputContract(output_channels=["x"]), device="cpu", tiling=tiling)
    variants: dict[str, Callable[[], Any]] = {
        "bare forward": bare,
        "i2i engine (in memory)": engine,
        "i2i Predictor (+ normalisation)": lambda: predictor.predict(image),
    }
    folder = tempfile.TemporaryDirectory()
    if _has_writer(".ome.zarr"):
        counter = iter(range(10**6))
        variants["i2i Predictor -> OME-Zarr file"] = lambda: predictor.predict(
            image, out=Path(folder.name) / f"p{next(counter)}.ome.zarr"
        )
    monai = _monai(net, args)
    if monai is not None:
        tensor = torch.from_numpy(image)[None]
        variants["MONAI sliding_window_inference"] = lambda: monai(tensor)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for function in variants.values():  # warm-up
        function()
    for _ in range(args.repeats):
        for name, function in variants.items():
            runs[name].append(timed(function, net))
    megapixels = args.size**2 / 1e6
    base = min(total for total, _ in runs["bare forward"])
    print(
        f"\n{args.size}² image, {len(grid)} tiles of {args.tile}², overlap {args.overlap}, "
        f"batch 4, {torch.get_num_threads()} threads; fastest of {args.repeats} interleaved runs"
    )
    print(f"{'variant':34s} {'seconds':>8s} {'MP/s':>6s} {'vs bare':>8s} {'outside model':>14s}")
    for name, values in runs.items():
        total, inside = min(values)
        print(
            f"{name:34s} {total:8.3f} {megapixels / total:6.2f} {total / base - 1:+8.1%} "
            f"{(total - inside) / inside:+14.1%}"
        )
    print(
        "'outside model': time not spent in the model's forward, over the forward time, "
        "within the same run (robust to machine noise)."
    )
    if monai is None:
        print("(MONAI not installed: its row is skipped; pip install monai to compare)")
    folder.cleanup()


def _has_writer(suffix: str) -> bool:
    from i2i.plugins import get_registries

    return any(suffix in component.build().suffixes for component in get_registries().writers)


def _monai(net: nn.Module, args: argparse.Namespace) -> Callable[[torch.Tensor], Any] | None:
    try:
        from monai.inferers import sliding_window_inference
    except ImportError:
        return None

    def run(tensor: torch.Tensor) -> Any:
        with torch.inference_mode():
            return sliding_window_inference(
                tensor, (args.tile, args.tile), 4, net, overlap=args.overlap, mode="gaussian"
            )

    return run


def options(args: argparse.Namespace) -> None:
    net, image = conv_net(64, 6), test_image(1024)
    settings = {
        "fp32, tile 256": (256, {}),
        "fp32 channels_last, tile 256": (256, {"channels_last": True}),
        "bf16, tile 256": (256, {"bf16": True}),
        "bf16 channels_last, tile 256": (256, {"bf16": True, "channels_last": True}),
        "fp32, tile 512": (512, {}),
        "bf16 channels_last, tile 512": (512, {"bf16": True, "channels_last": True}),
    }
    times: dict[str, list[float]] = {name: [] for name in settings}
    for repeat in range(args.repeats + 1):
        for name, (tile, extra) in settings.items():
            tiling = Tiling(tile_size=tile, overlap=args.overlap, batch_size=4)
            # a copy each time: Predictor moves the module to its device and memory format
            predictor = Predictor(
                copy.deepcopy(net),
                InputContract(output_channels=["x"]),
                device="cpu",
                tiling=tiling,
                **extra,
            )
            start = time.perf_counter()
            predictor.predict(image)
            if repeat:  # the first round warms up
                times[name].append(time.perf_counter() - start)
    base = min(times["fp32, tile 256"])
    print("\n1024² image, conv net 6 × 64 channels (Predictor, CPU)")
    print(f"{'setting':34s} {'seconds':>8s} {'MP/s':>7s} {'speed-up':>8s}")
    for name, values in times.items():
        seconds = min(values)
        print(f"{name:34s} {seconds:8.3f} {1.048576 / seconds:7.2f} {base / seconds:8.2f}x")


def paper(args: argparse.Namespace) -> None:
    """Forward time per tile of the paper's VQGAN (the bundled paper recipe, 3 in / 3 out)."""
    from i2i import load_recipe
    from i2i.model import build_model

    channels = ["model.in_channels=3", "model.out_channels=3", "model.discriminator=null"]
    model = build_model(load_recipe("paper_vqgan", channels).model.model_dump()).eval()
    settings = {
        "fp32, tile 256": (256, {}),
        "fp32 channels_last, tile 256": (256, {"channels_last": True}),
        "bf16, tile 256": (256, {"bf16": True}),
        "bf16 channels_last, tile 256": (256, {"bf16": True, "channels_last": True}),
        "fp32, tile 512": (512, {}),
        "bf16 channels_last, tile 512": (512, {"bf16": True, "channels_last": True}),
    }
    contract = InputContract(output_channels=["a", "b", "c"])
    times: dict[str, list[float]] = {name: [] for name in settings}
    for repeat in range(args.repeats + 1):
        for name, (tile, extra) in settings.items():
            predictor = Predictor(
                copy.deepcopy(model),
                contract,
                device="cpu",
                tiling=Tiling(tile_size=tile, overlap=0.0),
                **extra,
            )
            image = np.random.default_rng(0).random((3, tile, tile), dtype=np.float32)
            start = time.perf_counter()
            predictor.predict(image)
            if repeat:  # the first round warms up
                times[name].append(time.perf_counter() - start)
    base = min(times["fp32, tile 256"]) / 256**2
    print(
        "\nThe paper's VQGAN (ch 128, ch_mult [1,2,4], 2 res blocks, z 3, codebook 8192), one tile"
    )
    print(f"{'setting':34s} {'s/tile':>8s} {'MP/s':>7s} {'speed-up':>8s}")
    for name, values in times.items():
        tile = settings[name][0]
        seconds = min(values)
        speedup = base / (seconds / tile**2)
        print(f"{name:34s} {seconds:8.2f} {tile**2 / seconds / 1e6:7.3f} {speedup:8.2f}x")


class SyntheticImage(Image):
    """A lazily generated (1, 1, 1, N, N) float32 image: nothing is stored."""

    reader = "synthetic"

    def __init__(self, size: int):
        self.size = size
        self.path = Path(f"synthetic_{size}")

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        return 1, 1, 1, self.size, self.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(np.float32)

    @property
    def channel_names(self) -> list[str]:
        return ["BF"]

    @property
    def pixel_sizes(self) -> PixelSizes:
        return PixelSizes()

    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> np.ndarray:
        yy = np.arange(y.start, y.stop, dtype=np.float32)[:, None]
        xx = np.arange(x.start, x.stop, dtype=np.float32)[None, :]
        return (np.sin(yy / 17) + np.cos(xx / 23))[None, None, None]


class CheckingSink:
    """Receives the output rows, checks they are finite, keeps nothing."""

    def __init__(self) -> None:
        self.rows = 0

    def write_region(self, array: np.ndarray, **where: Any) -> None:
        assert np.isfinite(array).all()
        self.rows += array.shape[-2]


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def memory_child(size: int, tile: int) -> None:
    torch.set_num_threads(2)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))
    contract = InputContract(output_channels=["x"])
    predictor = Predictor(net, contract, device="cpu", tiling=Tiling(tile_size=tile))
    predictor.predict(SyntheticImage(1024), out=CheckingSink())  # warm-up
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from here
    before = _status_mib("VmRSS")
    sink, image = CheckingSink(), SyntheticImage(size)
    start = time.perf_counter()
    predictor.predict(image, out=sink)
    seconds = time.perf_counter() - start
    after = _status_mib("VmHWM")
    assert sink.rows == size
    output = size * size * 4 / 2**20
    print(
        f"\n{size}² prediction (tiny model, tile {tile}): {seconds:.1f} s, "
        f"peak resident memory {after:.0f} MiB (+{after - before:.0f} MiB during the "
        f"prediction) vs {output:.0f} MiB for the float32 output alone"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--overlap", type=float, default=0.25)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-options", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--paper", action="store_true", help="Also time the paper's VQGAN (about 4 s per tile)."
    )
    parser.add_argument("--memory-size", type=int, default=8192)
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.tile)
        return
    if not args.skip_throughput:
        throughput(args)
    if not args.skip_options:
        options(args)
    if args.paper:
        paper(args)
    if not args.skip_memory:
        command = [sys.executable, __file__, "--memory-child", str(args.memory_size)]
        command += ["--tile", str(args.tile)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
