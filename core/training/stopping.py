"""Graceful stop: Ctrl-C or SIGTERM (a cluster's pre-emption) asks the loop to checkpoint and exit.

A second Ctrl-C while the checkpoint is written is ignored with a message, so the checkpoint is
never cut in half; SIGKILL cannot be caught, which is why checkpoints are also atomic.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequest:
    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.requested:
            sys.stderr.write("i2i: already stopping; the checkpoint is being written.\n")
            return
        self.requested = True
        self.signal_name = signal.Signals(number).name
        sys.stderr.write(
            f"\ni2i: {self.signal_name} received; finishing this step and writing a checkpoint.\n"
        )


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Install the handlers for the duration of training (main thread only)."""
    request = StopRequest()
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[number] = signal.signal(number, request._handle)
        except ValueError:  # not the main thread (e.g. inside a test launcher)
            continue
    try:
        yield request
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
