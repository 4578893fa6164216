"""What a dataset holds, as the paper's Figure 1 shows it: counts per modality and organelle,
fields per organelle combination, pixel sizes, and split sizes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from i2i.data.records import FieldRecord


def _counts(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def summarize(
    records: Sequence[FieldRecord], splits: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Counts of fields, input planes and target images, by modality, organelle and split."""
    modality_fields: Counter[str] = Counter()
    modality_planes: Counter[str] = Counter()
    organelles: Counter[str] = Counter()
    by_modality: dict[str, Counter[str]] = {}
    combinations: Counter[str] = Counter()
    pixel_sizes: Counter[str] = Counter()
    for record in records:
        modality = record.modality or "unknown"
        modality_fields[modality] += 1
        modality_planes[modality] += len(record.inputs)
        organelles.update(list(record.targets))
        by_modality.setdefault(modality, Counter()).update(list(record.targets))
        combinations[" + ".join(sorted(record.targets)) or "(none)"] += 1
        size = record.pixel_size_um
        pixel_sizes[f"{size:g}" if size is not None else "unknown"] += 1
    summary: dict[str, Any] = {
        "fields": len(records),
        "input_planes": sum(len(r.inputs) for r in records),
        "fields_per_modality": _counts(modality_fields),
        "input_planes_per_modality": _counts(modality_planes),
        "target_images_per_organelle": _counts(organelles),
        "target_images_per_modality_and_organelle": {
            m: _counts(c) for m, c in sorted(by_modality.items())
        },
        "fields_per_organelle_combination": _counts(combinations),
        "fields_per_pixel_size_um": _counts(pixel_sizes),
    }
    if splits is not None:
        summary["split_fields"] = {name: len(ids) for name, ids in splits.items()}
    return summary
