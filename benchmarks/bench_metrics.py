"""Time to score image pairs with the seven i2i metrics against the reference libraries.

Run: python benchmarks/bench_metrics.py [--pairs 100] [--size 1024] [--batch 10] [--device cpu]

Both sides compute the same thing: challenge percentile normalisation of prediction and target,
then MAE, MSE, SSIM, PCC, Euclidean, cosine and PSNR. The reference loops over the pairs with
numpy (np.percentile), scikit-image (structural_similarity, peak_signal_noise_ratio), SciPy
(pearsonr, distance.euclidean, distance.cosine) and scikit-learn (mean_absolute_error,
mean_squared_error); i2i scores batches of ``--batch`` pairs with the registered metric
components. Pairs are real ISL confocal and phase planes (../shared/data) when present, shifted
and noised to make 100 distinct pairs, otherwise synthetic. The machine may be shared: the two
sides run one after the other in one process; compare their ratio, not absolute times.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import distance
from scipy.stats import pearsonr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from sklearn.metrics import mean_absolute_error, mean_squared_error

import i2i

NAMES = ["mae", "mse", "ssim", "pcc", "euclidean", "cosine", "psnr"]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "isl_condition_b"


def source_planes(size: int) -> list[np.ndarray]:
    """Real 16-bit planes when the shared data is there, else smooth synthetic ones."""
    files = sorted(SHARED.glob("*.png")) if SHARED.is_dir() else []
    if files:
        from PIL import Image

        return [np.asarray(Image.open(f))[:size, :size].astype(np.float64) for f in files]
    rng = np.random.default_rng(0)
    return [rng.gamma(2.0, 500.0, (size, size)) for _ in range(8)]


def make_pairs(count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, 1, size, size) predictions (float32) and targets (uint16-valued float64)."""
    planes = source_planes(size)
    rng = np.random.default_rng(1)
    targets = np.empty((count, 1, size, size))
    predictions = np.empty((count, 1, size, size), np.float32)
    for i in range(count):
        target = np.roll(planes[i % len(planes)], shift=int(rng.integers(0, size)), axis=1)
        targets[i, 0] = target
        predictions[i, 0] = 0.8 * target + rng.normal(0, target.std() / 3, target.shape)
    return predictions, targets


def normalize(image: np.ndarray) -> np.ndarray:
    low, high = np.percentile(image, 2), np.percentile(image, 99.8)
    return image if low == high else (image - low) / (high - low)


def reference(prediction: np.ndarray, target: np.ndarray) -> list[float]:
    x, y = normalize(prediction.astype(np.float64)), normalize(target)
    return [
        mean_absolute_error(y, x),
        mean_squared_error(y, x),
        structural_similarity(y, x, data_range=max(np.ptp(x), np.ptp(y))),
        pearsonr(y.ravel(), x.ravel())[0],
        distance.euclidean(y.ravel(), x.ravel()),
        distance.cosine(y.ravel(), x.ravel()),
        peak_signal_noise_ratio(y, x, data_range=np.ptp(y)),
    ]


def run_reference(predictions: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    values = [reference(p[0], t[0]) for p, t in zip(predictions, targets, strict=True)]
    return time.perf_counter() - start, np.array(values)


def run_i2i(
    predictions: np.ndarray, targets: np.ndarray, batch: int, device: str
) -> tuple[float, np.ndarray]:
    metrics = [i2i.registries.metrics.create({"name": n}) for n in NAMES]
    start = time.perf_counter()
    values = []
    for i in range(0, len(predictions), batch):
        pred = torch.from_numpy(predictions[i : i + batch]).to(device)
        targ = torch.from_numpy(targets[i : i + batch]).to(device)
        values.append(torch.stack([m(pred, targ)[:, 0] for m in metrics], dim=1).cpu())
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, torch.cat(values).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    predictions, targets = make_pairs(args.pairs, args.size)
    run_i2i(predictions[:2], targets[:2], 2, args.device)  # warm-up
    ours, our_values = run_i2i(predictions, targets, args.batch, args.device)
    theirs, their_values = run_reference(predictions, targets)
    relative = np.abs(our_values - their_values) / np.maximum(np.abs(their_values), 1e-300)
    print(f"{args.pairs} pairs of {args.size}x{args.size}, torch threads {torch.get_num_threads()}")
    for label, seconds in (
        ("reference (numpy/skimage/scipy/sklearn)", theirs),
        (f"i2i torch ({args.device}, batch {args.batch})", ours),
    ):
        print(f"{label:40s} {seconds:7.2f} s ({1e3 * seconds / args.pairs:.0f} ms/pair)")
    print(f"speed-up: {theirs / ours:.1f}x")
    for name, worst in zip(NAMES, relative.max(axis=0), strict=True):
        print(f"  max relative difference {name:9s} {worst:.1e}")


if __name__ == "__main__":
    main()
