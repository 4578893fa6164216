"""Progress of a command over a list of items (``i2i evaluate``'s image pairs) on stderr.

On a terminal a rich progress bar, gone when the command ends; anywhere else (CI, SLURM's
``slurm-*.out``, ``nohup.out``, a pipe) plain lines instead of a bar's thousands of
carriage-return frames: the first after the first item, then at most one every
:data:`i2i.prediction.progress.LINE_INTERVAL_SECONDS`, and the last item's:
``evaluate: 12/40 images (30%) | 3.10 images/s | ETA 9s``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from i2i.prediction.progress import LINE_INTERVAL_SECONDS, duration

Advance = Callable[[int, int], None]
"""Called with (items done, items in all) after each item."""


@contextmanager
def item_progress(label: str, unit: str, stream: TextIO | None = None) -> Iterator[Advance]:
    """An :data:`Advance` that shows ``label``'s progress in ``unit`` (plural) on ``stream``
    (default stderr): a bar on a terminal, :class:`ProgressLines` elsewhere."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield ProgressLines(label, unit, stream).advance
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(f"{label}: {unit}", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


class ProgressLines:
    """Plain progress lines, the rate measured from the first item (start-up excluded)."""

    def __init__(self, label: str, unit: str, stream: TextIO):
        self.label, self.unit, self.stream = label, unit, stream
        self.first: tuple[int, float] | None = None
        self.last_line: float | None = None

    def advance(self, done: int, total: int) -> None:
        now = time.perf_counter()
        self.first = self.first or (done, now)
        due = self.last_line is None or now - self.last_line >= LINE_INTERVAL_SECONDS
        if due or done == total:
            self.last_line = now
            self._write(done, total, now)

    def _write(self, done: int, total: int, now: float) -> None:
        first_done, first_time = self.first or (done, now)
        parts = [f"{done}/{total} {self.unit} ({100 * done / max(total, 1):.0f}%)"]
        counted, elapsed = done - first_done, now - first_time
        if counted > 0 and elapsed > 0 and done < total:
            rate = counted / elapsed
            parts += [f"{rate:.2f} {self.unit}/s", f"ETA {duration((total - done) / rate)}"]
        self.stream.write(f"{self.label}: " + " | ".join(parts) + "\n")
        self.stream.flush()
