"""Run folders: ``runs/<recipe name>/<timestamp>/`` with the resolved recipe, checkpoints, logs.

Layout::

    runs/lmc_mito/20261124-101500/
        recipe.yaml          the fully resolved recipe (reproduces the run on its own)
        split.json           the train/val/test split used
        metrics.csv          one row per logged step (training and validation values)
        tensorboard/         TensorBoard event files
        samples/             input | target | prediction panels at each validation
        checkpoints/step_00000500/ ...   the last K training states
        best.safetensors     the weights with the best validation metric
        last.safetensors     the weights at the end of training
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from i2i.errors import I2IError


@dataclass(frozen=True)
class RunFolder:
    path: Path

    @property
    def recipe(self) -> Path:
        return self.path / "recipe.yaml"

    @property
    def split(self) -> Path:
        return self.path / "split.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    @property
    def best_weights(self) -> Path:
        return self.path / "best.safetensors"

    @property
    def last_weights(self) -> Path:
        return self.path / "last.safetensors"

    def create(self) -> RunFolder:
        for folder in (self.path, self.checkpoints, self.samples):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def new_run_folder(runs_root: Path, recipe_name: str) -> RunFolder:
    """A fresh, timestamped folder for a run of ``recipe_name``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = runs_root / recipe_name / stamp
    suffix = 1
    while path.exists():
        suffix += 1
        path = runs_root / recipe_name / f"{stamp}-{suffix}"
    return RunFolder(path)


def latest_run_folder(runs_root: Path, recipe_name: str, weights: bool = False) -> RunFolder | None:
    """The most recent run of ``recipe_name`` with a checkpoint (or, ``weights``, exported
    weights), if any."""
    parent = runs_root / recipe_name
    if not parent.is_dir():
        return None
    runs = [RunFolder(p) for p in parent.iterdir() if p.is_dir()]
    if weights:
        runs = [r for r in runs if r.best_weights.exists() or r.last_weights.exists()]
    else:
        runs = [r for r in runs if any(r.checkpoints.glob("step_*"))]
    return max(runs, key=lambda r: r.path.name) if runs else None


def resolve_resume(resume: str | Path | bool, runs_root: Path, recipe_name: str) -> RunFolder:
    """``resume`` is ``True``/``"latest"`` or a run folder (``False`` is not a valid value)."""
    """The run folder to continue: an explicit folder, or the latest run of the recipe."""
    if resume is True or resume == "latest":
        folder = latest_run_folder(runs_root, recipe_name)
        if folder is None:
            raise I2IError(
                f"--resume: no earlier run of {recipe_name!r} with a checkpoint under "
                f"{runs_root / recipe_name}. Start a new run without --resume, or give the run "
                "folder: --resume runs/<recipe>/<timestamp>."
            )
        return folder
    folder = RunFolder(Path(str(resume)))
    if not folder.checkpoints.is_dir() or not any(folder.checkpoints.glob("step_*")):
        raise I2IError(
            f"--resume {resume}: this folder holds no checkpoint (expected "
            f"{folder.checkpoints}/step_*). Give a run folder written by 'i2i run'."
        )
    return folder
