"""Data-loading workers that a stop signal for the whole process group leaves running.

A stop signal often reaches every process of a run, not just the main one: GNU ``timeout``
and ``kill -TERM -- -PGID`` signal the process group, Ctrl-C the terminal's foreground group,
SLURM every process of a job step. The main process turns SIGINT and SIGTERM into a graceful
stop (:mod:`i2i.training.stopping`): it finishes the step, which may still need batches (a
validation), and writes a checkpoint. A PyTorch DataLoader worker left with PyTorch's handler
dies of an external SIGTERM at once, and its death is raised in the main process in the middle
of that step ("DataLoader worker ... is killed by signal: Terminated").

So a worker (:func:`shielded_worker_init`) ignores SIGINT, and ignores SIGTERM while the main
process runs. It still ends:

- when the main process shuts its loader down (PyTorch sends each worker a last message; a
  persistent worker gets it when its loader is freed);
- when the main process is gone (PyTorch's watchdog in the worker notices within seconds,
  and a SIGTERM then ends it at once);
- at the main process's exit: a hook registered after multiprocessing's own, so run before it,
  raises a flag shared with the workers; multiprocessing then terminates (SIGTERM) and joins
  its daemonic children, the workers, which now exit at once, so the join cannot wait forever
  on a loader that was never shut down.

PyTorch's own ``w.terminate()`` of a worker that did not leave within its grace period is
ignored like any SIGTERM: that worker leaves after its current sample, when it reads the last
message, and PyTorch waits for it a bounded time only.

If a worker dies all the same (the out-of-memory killer, a SIGKILL, a crash in native code),
:func:`explain_worker_deaths` turns PyTorch's RuntimeError into a :class:`LoaderWorkerError`
that names the condition of the machine instead of a bug.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from i2i.errors import I2IError

_ending: Any = None  # the flag shared with the workers: a ctypes c_bool in shared memory


class LoaderWorkerError(I2IError):
    """A data-loading worker process was ended from outside (memory, a kill, a native crash)."""


def shielded_worker_init() -> Callable[[int], None]:
    """The ``worker_init_fn`` of i2i's loaders (see the module docstring); picklable, so it
    works with every multiprocessing start method."""
    return functools.partial(_shield_worker, _ending_flag())


def _ending_flag() -> Any:
    """The flag raised at this process's exit, made (and its exit hook registered) once."""
    global _ending
    if _ending is None:
        from multiprocessing import RawValue  # imports multiprocessing.util, and its exit hook

        _ending = RawValue(ctypes.c_bool, False)
        atexit.register(_raise, _ending)  # after multiprocessing's hook, so it runs before it
    return _ending


def _raise(flag: Any) -> None:
    flag.value = True


def _shield_worker(ending: Any, worker_id: int) -> None:
    """In a worker: ignore SIGINT, and SIGTERM unless the main process is exiting or gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def on_sigterm(number: int, frame: FrameType | None) -> None:
        if ending.value or os.getppid() != parent:
            os._exit(0)  # as PyTorch's handler does for its parent's SIGTERM

    signal.signal(signal.SIGTERM, on_sigterm)


@contextmanager
def explain_worker_deaths() -> Iterator[None]:
    """Around code that iterates i2i's loaders: a worker's death is a :class:`LoaderWorkerError`.

    PyTorch raises a RuntimeError starting "DataLoader worker (pid ...)" from the loader or,
    through its SIGCHLD handler, anywhere in the main process.
    """
    try:
        yield
    except RuntimeError as exc:
        if not str(exc).startswith("DataLoader worker (pid"):
            raise
        detail = str(exc).strip().rstrip(".")
        raise LoaderWorkerError(
            f"a data-loading worker process was ended from outside i2i: {detail}. "
            "Most often the kernel's out-of-memory killer ended it (see `dmesg` or the job "
            "scheduler's log), or a kill was sent to that process alone; a Bus error means "
            "too little shared memory (/dev/shm). Lower data.num_workers or data.batch_size, or "
            "set data.num_workers=0 to load in the main process; a run continues from its last "
            "checkpoint with `i2i run RECIPE --resume latest`."
        ) from exc
