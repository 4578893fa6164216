"""``--shard I/N``: the slice of a plate's field list that one job of a job array predicts.

Shard ``I`` of ``N`` (``0 <= I < N``, as SLURM's ``$SLURM_ARRAY_TASK_ID`` of ``--array=0-N-1``)
takes the contiguous block ``fields[I·F//N : (I+1)·F//N]`` of the F fields in plate order, so
the N shards cover every field exactly once and neighbouring fields (one well) stay together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from i2i_plugins.hcs_plates.errors import PlateError

T = TypeVar("T")


class ShardError(PlateError):
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
"""The one shard of a single job: every field."""
