"""Training progress on stderr: a progress bar on a terminal, log lines everywhere else.

A progress bar redraws itself with carriage returns, which a terminal shows as one line and a
file (CI logs, SLURM's ``slurm-*.out``, ``nohup.out``) keeps as thousands of frames. When
stderr is not a terminal the progress goes as a plain line at most every
:data:`LINE_INTERVAL_SECONDS` (and at the end): step, rate, time left and the loss of the last
logged step.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from i2i.prediction.progress import duration

LINE_INTERVAL_SECONDS = 30.0
"""Least time between two progress lines when stderr is not a terminal."""


class ProgressReport(Protocol):
    """What the training loop tells about its progress."""

    def advance(self, step: int, loss: float | None = None) -> None:
        """Optimizer step ``step`` is done; ``loss`` is given on logging steps."""

    def close(self) -> None:
        """The loop has ended."""


def progress_report(start: int, total: int, stream: TextIO | None = None) -> ProgressReport:
    """A bar on a terminal, :class:`ProgressLines` otherwise; steps ``start`` .. ``total``."""
    stream = stream or sys.stderr
    if stream.isatty():
        return ProgressBar(start, total, stream)
    return ProgressLines(start, total, stream)


class ProgressBar:
    """A tqdm bar, its postfix the loss of the last logged step."""

    def __init__(self, start: int, total: int, stream: TextIO):
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total,
            initial=start,
            desc="training",
            unit="step",
            dynamic_ncols=True,
            file=stream,
        )

    def advance(self, step: int, loss: float | None = None) -> None:
        self.bar.update(1)
        if loss is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}")

    def close(self) -> None:
        self.bar.close()


class ProgressLines:
    """``step 120/900 (13%) | 2.10 steps/s | ETA 6m12s | loss 0.0431`` lines."""

    def __init__(self, start: int, total: int, stream: TextIO):
        self.start, self.total, self.stream = start, total, stream
        self.step = start
        self.loss: float | None = None
        self.first: tuple[int, float] | None = None
        """The first step reported and when: the rate is measured from there (the start-up
        and the first step's warm-up would make it look slow)."""
        self.last_line: float | None = None

    def advance(self, step: int, loss: float | None = None) -> None:
        self.step = step
        if loss is not None:
            self.loss = loss
        now = time.perf_counter()
        if self.first is None:
            self.first = (step, now)
        if self.last_line is None or now - self.last_line >= LINE_INTERVAL_SECONDS:
            self._write(now)

    def close(self) -> None:
        if self.step > self.start:
            self._write(time.perf_counter())

    def _write(self, now: float) -> None:
        self.last_line = now
        first_step, first_time = self.first or (self.step, now)
        done, elapsed = self.step - first_step, now - first_time
        rate = done / elapsed if done and elapsed > 0 else 0.0
        parts = [f"step {self.step}/{self.total} ({100 * self.step / self.total:.0f}%)"]
        if rate > 0:
            left = (self.total - self.step) / rate
            parts += [f"{rate:.2f} steps/s", f"ETA {duration(left)}"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.4g}")
        self.stream.write("training: " + " | ".join(parts) + "\n")
        self.stream.flush()
