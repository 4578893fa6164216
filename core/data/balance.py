"""Oversampling weights that balance classes (organelles, studies, plates...).

A sample's class under ``by="organelle"`` is each target it has; under a grouping key (such
as ``"study"``) it is the field's value of that key. Each class should be drawn equally often:
a class with ``n`` samples gets weight ``1 / n`` per sample, and a sample with several
organelles gets the largest weight among them (it helps its rarest organelle). Light My Cells
has 27 actin images against 2533 nucleus images: without balance actin is almost never seen.
The training loader draws samples with these weights, each epoch's draws depending on (seed,
epoch) only (``i2i.data.mixing.MixedSampler``), so that a resumed run draws the same samples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from i2i.data.records import FieldRecord
from i2i.data.splits import group_value


def classes_of(record: FieldRecord, by: str, target_names: Sequence[str]) -> list[str]:
    """The classes a field belongs to."""
    if by == "organelle":
        return [name for name in target_names if name in record.targets]
    return [group_value(record, by)]


def balance_weights(
    records: Sequence[FieldRecord], by: str, target_names: Sequence[str]
) -> list[float]:
    """One weight per record (in order) so each class's total weight is the same."""
    per_record = [classes_of(r, by, target_names) for r in records]
    counts = Counter(c for classes in per_record for c in classes)
    return [max((1.0 / counts[c] for c in classes), default=0.0) for classes in per_record]
