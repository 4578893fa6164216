"""Loader workers ignore stop signals meant for the whole process group, never hold up the
exit of the main process, and their death from outside is a message, not a bug."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from torch.utils.data import DataLoader, Dataset

from i2i.data.workers import LoaderWorkerError, explain_worker_deaths, shielded_worker_init


class _SignalledInWorker(Dataset[int]):
    """Each sample sends its worker a signal from another process than the main one (as a
    group-wide SIGTERM or a terminal's Ctrl-C would), then is read all the same."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> int:
        number = signal.SIGINT if index % 2 else signal.SIGTERM
        subprocess.run(["kill", f"-{number.name.removeprefix('SIG')}", str(os.getpid())])
        time.sleep(0.05)  # the handler runs: with the default one, the worker would be dead
        return index


class _KilledInWorker(Dataset[int]):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> int:
        os.kill(os.getpid(), signal.SIGKILL)  # the out-of-memory killer
        return index


def test_a_worker_outlives_sigterm_and_sigint_from_outside():
    loader = DataLoader(_SignalledInWorker(), num_workers=1, worker_init_fn=shielded_worker_init())
    assert [int(batch) for batch in loader] == [0, 1, 2, 3]


def test_without_the_shield_the_same_signals_end_the_worker():
    """The test above is a real one: PyTorch's own worker dies of the outside SIGTERM."""
    loader = DataLoader(_SignalledInWorker(), num_workers=1)
    with pytest.raises(LoaderWorkerError, match="ended from outside i2i"), explain_worker_deaths():
        list(loader)


def test_a_killed_worker_is_named_as_a_condition_of_the_machine():
    loader = DataLoader(_KilledInWorker(), num_workers=1, worker_init_fn=shielded_worker_init())
    with pytest.raises(LoaderWorkerError) as raised, explain_worker_deaths():
        list(loader)
    message = str(raised.value)
    assert "DataLoader worker (pid" in message and "out-of-memory killer" in message
    assert "data.num_workers=0" in message and "--resume latest" in message


def test_other_runtime_errors_pass_through():
    with pytest.raises(RuntimeError, match="^something else$"), explain_worker_deaths():
        raise RuntimeError("something else")


LOADER_ALIVE_AT_EXIT = """
from torch.utils.data import DataLoader
from i2i.data.workers import shielded_worker_init

loader = DataLoader(list(range(8)), num_workers=2, persistent_workers=True,
                    worker_init_fn=shielded_worker_init())
batches = iter(loader)
next(batches)
# still referenced at exit: PyTorch skips its shutdown, multiprocessing terminates and joins
"""


def test_workers_of_a_loader_never_shut_down_do_not_hold_up_the_exit():
    """Workers that ignored SIGTERM for good would make multiprocessing's exit join wait forever."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", LOADER_ALIVE_AT_EXIT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
