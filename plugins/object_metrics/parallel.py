"""Fields evaluated in parallel, in a pool of processes, results in the order of the fields.

Each field is independent (segmentation, matching and cp-measure's measurements are CPU-bound
and hold the GIL much of the time), so fields go to one process per CPU core. The pool starts
only when there are more fields than workers (a handful of fields stays in this process, with
no start-up cost), at most two fields per worker are in flight (memory stays bounded on long
lazy iterables), and results come back in the fields' order, so the report does not depend on
the number of workers. On Linux the workers are forked (they inherit the imported libraries and
cp-measure's compiled code); elsewhere they are spawned.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def ordered_map(function: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``function`` of each item, in order; ``workers`` processes (0: one per core, 1: here)."""
    workers = workers or available_cores()
    iterator = iter(items)
    head = list(islice(iterator, workers + 1))
    if workers == 1 or len(head) <= workers:
        yield from map(function, head)
        yield from map(function, iterator)
        return
    yield from _pooled(function, head, iterator, workers)


def _pooled(
    function: Callable[[T], R], head: list[T], rest: Iterator[T], workers: int
) -> Iterator[R]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pending: deque[Future[R]] = deque()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        for item in chain(head, rest):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
                pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
