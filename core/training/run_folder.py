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

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from i2i.errors import I2IError

_MOST_RUNS_PER_SECOND = 10_000
"""Run folders tried for one timestamp before giving up (a bound, far above any job array)."""


@dataclass(frozen=True)
class RunFolder:
    path: Path
    made_parents: tuple[Path, ...] = field(default=(), compare=False)
    """The folders above ``path`` that :func:`new_run_folder` created (innermost first)."""

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
        """Make the folders a run writes into (the run folder itself already exists when
        :func:`new_run_folder` reserved it)."""
        for folder in (self.path, self.checkpoints, self.samples):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def new_run_folder(runs_root: Path, recipe_name: str) -> RunFolder:
    """Reserve a fresh, timestamped folder for a run of ``recipe_name``: ``<timestamp>``, or
    ``<timestamp>-2``, ``-3``... when runs started in the same second took the names before.

    The folder is created here with an exclusive ``mkdir`` (atomic, also on NFS), so runs
    started together (a cluster's job array) each get their own folder: a name that exists is
    never reused, whoever created it.
    """
    parent = runs_root / recipe_name
    missing = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in range(1, _MOST_RUNS_PER_SECOND + 1):
        path = parent / (stamp if suffix == 1 else f"{stamp}-{suffix}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return RunFolder(path, tuple(missing))
    raise I2IError(
        f"{parent}: {_MOST_RUNS_PER_SECOND} runs of {recipe_name!r} already started in the "
        f"second {stamp}; start the others a second later or give them their own --runs-root."
    )


def remove_unused_run_folder(run: RunFolder) -> None:
    """Delete a new run's folder when the run failed before it trained (a missing dataset, a
    wrong recipe value...), and the folders above it that :func:`new_run_folder` created when
    they are left empty: a run that never started leaves nothing behind."""
    shutil.rmtree(run.path, ignore_errors=True)
    for folder in run.made_parents:
        try:
            folder.rmdir()
        except OSError:  # not empty: another run started there meanwhile
            return


def _run_order(folder: RunFolder) -> tuple[str, int]:
    """``20261124-101500-10`` sorts after ``20261124-101500-9``: by stamp, then suffix."""
    name = folder.path.name
    stamp, _, suffix = name.rpartition("-")
    if name.count("-") < 2 or not suffix.isdigit():
        return name, 1
    return stamp, int(suffix)


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
    return max(runs, key=_run_order) if runs else None


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
