"""Prediction progress as plain lines, for logs (CI, SLURM's ``slurm-*.out``, ``nohup.out``).

A progress bar redraws itself with carriage returns, which a file keeps as thousands of frames.
When stderr is not a terminal, prediction reports a line at most every
:data:`LINE_INTERVAL_SECONDS` (the first at the first batch of tiles), the interval running
over every input of a batch: ``file 3/10 a.ome.tif: tiles 120/400 (30%) | 4.10 tiles/s | ETA
1m08s``. The rate is measured over the current input from its first batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

LINE_INTERVAL_SECONDS = 30.0
"""Least time between two progress lines."""


class ProgressLines:
    """Progress lines on ``stream`` (default stderr) for one input after another."""

    def __init__(self, stream: TextIO | None = None, interval: float | None = None):
        self.stream = stream or sys.stderr
        self.interval = LINE_INTERVAL_SECONDS if interval is None else interval
        self.last_line: float | None = None

    def start(self, label: str, total: int) -> Callable[[int], None]:
        """An ``advance(n)`` for an input of ``total`` tiles named ``label``."""
        done = 0
        first: tuple[int, float] | None = None

        def advance(n: int) -> None:
            nonlocal done, first
            done += n
            now = time.perf_counter()
            first = first or (done, now)
            if self.last_line is None or now - self.last_line >= self.interval:
                self.last_line = now
                self._write(label, done, total, first, now)

        return advance

    def _write(
        self, label: str, done: int, total: int, first: tuple[int, float], now: float
    ) -> None:
        parts = [f"tiles {done}/{total} ({100 * done / max(total, 1):.0f}%)"]
        counted, elapsed = done - first[0], now - first[1]
        if counted > 0 and elapsed > 0:
            rate = counted / elapsed
            parts += [f"{rate:.2f} tiles/s", f"ETA {duration(max(total - done, 0) / rate)}"]
        self.stream.write(f"{label}: " + " | ".join(parts) + "\n")
        self.stream.flush()


def duration(seconds: float) -> str:
    """``1h02m``, ``6m12s`` or ``42s``."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
