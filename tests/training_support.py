"""A demo Light My Cells dataset and tiny recipes for the training tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml


def _tiny_vqgan_levels() -> dict:
    """A tiny encoder/decoder configuration (fresh lists: no YAML aliases when dumped)."""
    levels = {"ch": 8, "ch_mult": [1, 2], "num_res_blocks": 1, "z_channels": 4, "groups": 4}
    return {"name": "vqgan", **levels}


TINY_VQGAN = {
    "encoder": _tiny_vqgan_levels(),
    "quantizer": {"name": "vector", "codebook_size": 16, "code_dim": 4},
    "generator": _tiny_vqgan_levels(),
    "discriminator": {"name": "patchgan", "ndf": 8, "n_layers": 2},
}
TINY_UNET = {"generator": {"name": "unet", "depth": 2, "base_channels": 8, "norm": "none"}}


LMC_DATASET = {"name": "lmc", "targets": ["Nucleus", "Mitochondria"]}
JUMP_DATASET = {"name": "jump_cellpaint", "inputs": ["BF_focus"], "targets": ["DNA", "Mito"]}


def write_recipe(folder: Path, data_root: Path, *, model: dict, losses: list, **train) -> Path:
    """A tiny recipe: 1 input channel, 2 targets, 32x32 crops, 6 steps unless overridden."""
    random = train.pop("random_augmentation", True)
    dataset = {**train.pop("dataset", LMC_DATASET), "root": str(data_root)}
    crop = {"name": "random_crop", "size": 32} if random else {"name": "center_crop", "size": 32}
    recipe = {
        "name": "tiny",
        "data": {
            "dataset": dataset,
            "transforms": [{"name": "percentile_normalize"}, crop]
            + ([{"name": "flip"}] if random else []),
            "val_transforms": [
                {"name": "percentile_normalize"},
                {"name": "center_crop", "size": 32},
            ],
            "split": {"val_fraction": 0.25, "group_by": train.pop("group_by", "study")},
            "batch_size": train.pop("batch_size", 4),
            "num_workers": 0,
        },
        "model": {"in_channels": 1, "out_channels": 2, **model},
        "losses": losses,
        "train": {
            "max_steps": 6,
            "log_every": 1,
            "validate_every": 3,
            "checkpoint_every": 2,
            "best_metric": "pcc",
            "runs_root": str(folder / "runs"),
            **train,
        },
        "evaluate": {"metrics": [{"name": "pcc"}, {"name": "mae"}]},
    }
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def write_endless_recipe(folder: Path, data_root: Path) -> Path:
    """A tiny UNet recipe that trains until it is stopped (no validation or checkpoint before)."""
    never = 100000
    return write_recipe(
        folder,
        data_root,
        model=TINY_UNET,
        losses=[{"name": "l1"}],
        max_steps=never,
        checkpoint_every=never,
        validate_every=never,
    )


def i2i_process(*args: str, cwd: Path, own_group: bool = False) -> subprocess.Popen:
    """``python -m i2i ARGS``; ``own_group``: as the leader of a new process group (its pgid
    is its pid), as GNU ``timeout`` or a batch scheduler starts a command."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "i2i", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=own_group,
    )


def wait_for_training(process: subprocess.Popen, runs: Path, timeout: float = 120) -> Path:
    """The run folder of ``process`` once its metrics.csv holds two training steps."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline
        for metrics in runs.glob("*/*/metrics.csv"):
            if len(metrics.read_text().splitlines()) > 2:
                return metrics.parent
        time.sleep(0.05)


ISL_PATTERN = {
    "name": "pattern",
    "regex": r"(?P<fov>.+),(?:z_depth-(?P<z>\d+)|depth_computation-MAXPROJECT),"
    r"channel-(?P<channel>\w+),is_mask-false\.png",
    "inputs": ["PHASE_CONTRAST"],
    "targets": ["DAPI_CONFOCAL"],
    "z": "all",
}


def write_isl_recipe(folder: Path, isl_root: Path, steps: int = 2) -> Path:
    """A tiny phase (13 z-planes) -> DAPI UNet on the real ISL field (left three quarters),
    64-pixel crops: a real model in a few seconds."""
    recipe = {
        "name": "tiny_isl",
        "data": {
            "dataset": {**ISL_PATTERN, "root": str(isl_root)},
            "transforms": [
                {"name": "percentile_normalize", "keys": ["input", "target"]},
                {"name": "random_crop", "size": 64},
                {"name": "flip"},
            ],
            "val_transforms": [{"name": "percentile_normalize", "keys": ["input", "target"]}],
            "split": {
                "val_fraction": 0.0,
                "test_fraction": 0.0,
                "holdout": {"axis": "x", "start": 0.75, "end": 1.0},
            },
            "repeat": 8,
            "batch_size": 2,
            "num_workers": 0,
        },
        "model": {"in_channels": 13, "out_channels": 1, **TINY_UNET},
        "losses": [{"name": "l1"}],
        "train": {
            "max_steps": steps,
            "log_every": 1,
            "validate_every": steps,
            "checkpoint_every": steps,
            "best_metric": "pcc",
            "runs_root": str(folder / "runs"),
        },
        "evaluate": {"metrics": [{"name": "pcc"}]},
    }
    path = folder / "tiny_isl.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path
