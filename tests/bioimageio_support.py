"""Tiny models (UNet, VQGAN with its quantizer) as i2i weights, and ``i2i zoo export`` in this
process, for the bioimageio plugin's tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from training_support import TINY_VQGAN

CONTRACT = {"input_channels": None, "output_channels": ["dapi"], "pixel_size_um": 0.5}
VQGAN_SPEC = {
    "in_channels": 1,
    "out_channels": 1,
    "encoder": TINY_VQGAN["encoder"],
    "quantizer": TINY_VQGAN["quantizer"],
    "generator": TINY_VQGAN["generator"],
}
TIMM_SPEC = {
    "in_channels": 1,
    "out_channels": 1,
    "encoder": {"name": "timm", "model_name": "test_resnet"},
    "generator": {"name": "timm_decoder", "head_channels": 8},
}
PREDICT = {"tile_size": 64, "overlap": 0.25, "batch_size": 4}


def save_model(path: Path, spec: dict, name: str, seed: int = 0) -> Path:
    """Weights of a freshly initialised model of ``spec`` with an i2i contract and recipe."""
    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(seed)
    model = build_model(spec).eval()
    recipe = {"name": name, "description": f"A tiny {name} for tests.", "model": spec}
    recipe["predict"] = PREDICT
    path.parent.mkdir(parents=True, exist_ok=True)
    save_weights(path, model, {"recipe": recipe, "input_contract": CONTRACT, "step": 7})
    return path


def export(weights: Path, out: Path, image: Path, *extra: str, name: str = "tiny-dapi") -> int:
    """``i2i zoo export ... --format bioimageio`` in this process; the exit code."""
    from i2i.cli import main

    args = ["zoo", "export", str(weights), "--name", name, "-o", str(out), "--test-image"]
    args += [str(image), "--licence", "CC-BY-4.0", "--author", "Ada Tester", *extra]
    try:
        main(args)
    except SystemExit as exit_info:
        return int(exit_info.code or 0)
    return 0


def real_tile(phase_image: Path, top: int, side_y: int, side_x: int) -> np.ndarray:
    """(1, 1, side_y, side_x) of the real phase plane from (top, top), percentile-normalised
    over the whole plane as i2i normalises it."""
    from i2i.io import open_image
    from i2i.normalization import image_bounds

    plane = open_image(phase_image).read_plane().astype(np.float32)[None]
    bounds = image_bounds(plane, (2.0, 99.8))
    return bounds.normalize(plane[:, top : top + side_y, top : top + side_x])[None]
