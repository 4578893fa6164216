"""Small prediction and target folders in the Light My Cells naming for the evaluation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

SIZE = 24


def blobs(seed: int) -> np.ndarray:
    """A small fluorescence-like uint16 image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    image = np.zeros((SIZE, SIZE))
    for cy, cx in rng.uniform(4, SIZE - 4, (3, 2)):
        image += 1000 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 8)
    return (image + rng.poisson(50, image.shape)).astype(np.uint16)


def named_channel_folders(root: Path, fields: int = 2) -> tuple[Path, Path]:
    """OME-TIFF targets ``Study_1/image_<f>_Mitochondria.ome.tiff`` whose channel is *named*
    ``Mitochondria`` (as the Light My Cells files are), and predictions
    ``Study_1/image_<f>_BF_z<k>_Mitochondria.ome.tiff`` for z 0-2, noisier away from z 1."""
    from i2i.io import write_image

    rng = np.random.default_rng(3)
    targets, predictions = root / "targets" / "Study_1", root / "predictions" / "Study_1"
    targets.mkdir(parents=True)
    predictions.mkdir(parents=True)
    for field in range(fields):
        target = blobs(field)
        write_image(targets / f"image_{field}_Mitochondria.ome.tiff", target, ["Mitochondria"])
        for z in range(3):
            guess = target + rng.normal(0, 100 * (1 + abs(z - 1)), target.shape)
            name = f"image_{field}_BF_z{z}_Mitochondria.ome.tiff"
            write_image(predictions / name, guess.astype(np.float32), ["Mitochondria"])
    return root / "predictions", root / "targets"


def write_tiff(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, image)
    return path
