"""Where training numbers go: ``metrics.csv`` (always) and Accelerate trackers (TensorBoard...).

The CSV has one row per logged step (validation values join the row of their step); columns
are added as new keys appear (the file is then rewritten with the wider header, which is
rare: validation keys appear at the first validation). Resuming appends to the same file
after dropping rows past the resumed step, so the CSV never holds two rows for one step.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path


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
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with temporary.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, self.columns)
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(temporary, self.path)
