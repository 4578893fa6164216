"""``--shard I/N``: the slice of a job list that one job of a cluster job array predicts.

Shard ``I`` of ``N`` (``0 <= I < N``, as SLURM's ``$SLURM_ARRAY_TASK_ID`` of ``--array=0-N-1``)
takes the contiguous block ``items[I·F//N : (I+1)·F//N]`` of the F items in order (the inputs
of ``i2i predict``, a plate's fields), so the N shards cover every item exactly once and
neighbours (the fields of one well) stay together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from i2i.errors import I2IError

T = TypeVar("T")


class ShardError(I2IError):
    """A ``--shard`` value is not ``I/N`` with ``0 <= I < N``."""


@dataclass(frozen=True)
class Shard:
    """Job ``index`` of ``count`` jobs."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/8"`` -> ``Shard(2, 8)``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if match is None or not 0 <= int(match[1]) < int(match[2]):
            raise ShardError(
                f"--shard {text!r}: give I/N with 0 <= I < N, e.g. --shard 0/4 for the first of "
                "4 jobs (in a SLURM array: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT "
                "with --array=0-3)."
            )
        return cls(int(match[1]), int(match[2]))

    def select(self, items: Sequence[T]) -> list[T]:
        """This shard's contiguous block of ``items``."""
        total = len(items)
        return list(
            items[self.index * total // self.count : (self.index + 1) * total // self.count]
        )

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


WHOLE = Shard()
"""The one shard of a single job: every item."""
