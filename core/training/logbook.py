"""Where training numbers go: ``metrics.csv`` (always) and the Accelerate trackers of
``train.trackers`` (TensorBoard by default; wandb, MLflow, Comet, Aim, ClearML, DVCLive).

The CSV has one row per logged step (validation values join the row of their step); columns
are added as new keys appear (the file is then rewritten with the wider header, which is
rare: validation keys appear at the first validation). Resuming appends to the same file
after dropping rows past the resumed step, so the CSV never holds two rows for one step.

TensorBoard writes its event files into the run folder's ``tensorboard/``; the other trackers
file the run under the recipe's name as project (or experiment).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from i2i.atomic import atomic_output
from i2i.errors import I2IError

TRACKER_PACKAGES = {
    "tensorboard": "tensorboard",
    "wandb": "wandb",
    "mlflow": "mlflow",
    "comet_ml": "comet-ml",
    "aim": "aim",
    "clearml": "clearml",
    "dvclive": "dvclive",
}
"""The pip package each tracker of ``train.trackers`` needs."""


def trackers_to_log_with(names: Sequence[str], run_folder: Path) -> list[Any]:
    """Accelerate's ``log_with`` for ``train.trackers``; a tracker whose package is missing is
    an error (Accelerate would silently leave it out)."""
    from accelerate.tracking import TensorBoardTracker, get_available_trackers

    available = {str(tracker) for tracker in get_available_trackers()}
    missing = [name for name in names if name not in available]
    if missing:
        packages = " ".join(TRACKER_PACKAGES[name] for name in missing)
        raise I2IError(
            f"train.trackers: {', '.join(map(repr, missing))} cannot log, the package is not "
            f"installed. Install it (pip install {packages}) or remove the tracker from "
            "train.trackers (metrics.csv is always written)."
        )
    return [
        TensorBoardTracker("tensorboard", run_folder) if name == "tensorboard" else name
        for name in dict.fromkeys(names)
    ]


class MetricsCSV:
    def __init__(self, path: Path, resume_step: int | None = None):
        self.path = path
        self.columns: list[str] = ["step"]
        self.rows: list[dict[str, str]] = []
        if path.exists():
            with path.open(newline="") as handle:
                reader = csv.DictReader(handle)
                self.columns = list(reader.fieldnames or ["step"])
                self.rows = [
                    r for r in reader if resume_step is None or int(r["step"]) <= resume_step
                ]
            self._rewrite()

    def log(self, step: int, values: dict[str, float]) -> None:
        """Add ``values`` at ``step`` (to the last row when it is the same step)."""
        formatted = {k: f"{v:.6g}" for k, v in values.items()}
        new_columns = [k for k in formatted if k not in self.columns]
        self.columns += new_columns
        if self.rows and self.rows[-1]["step"] == str(step):
            self.rows[-1].update(formatted)
            self._rewrite()
            return
        self.rows.append({"step": str(step), **formatted})
        if new_columns:
            self._rewrite()
            return
        with self.path.open("a", newline="") as handle:
            csv.DictWriter(handle, self.columns).writerow(self.rows[-1])

    def _rewrite(self) -> None:
        """Write the whole file again (a wider header, or rows past a resumed step dropped)."""
        with atomic_output(self.path) as temporary, temporary.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, self.columns)
            writer.writeheader()
            writer.writerows(self.rows)
