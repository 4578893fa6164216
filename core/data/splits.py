"""Train/validation/test splits of fields, seeded, grouped and stratified, saved to a file.

Units are the values of ``group_by`` (every field of a plate stays in the same split) or single
fields. Units are shuffled with ``seed`` inside each stratum (the value of ``stratify_by`` of
their fields, e.g. the study) and each stratum gives ``round(n * fraction)`` units to
validation and test, so every study is represented in every split in proportion (LMC: 95/5
per study). A stratum of one unit stays in training. When rounding leaves validation (or
test) empty although its fraction is positive, one unit moves there from the largest stratum
(as long as training keeps one).

Split files are JSON (``{"splits": {"train": [ids], "val": [...], "test": [...]}, ...}``) or
CSV (columns ``field_id,split``), chosen by suffix.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from i2i.data.errors import DataError
from i2i.data.records import FieldRecord

SPLITS = ("train", "val", "test")


def group_value(record: FieldRecord, name: str | None) -> str:
    """The field's value of grouping key ``name`` (its id for ``None``; ``modality`` too)."""
    if name is None:
        return record.field_id
    if name == "modality":
        return record.modality or ""
    if name not in record.groups:
        raise DataError(
            f"field {record.field_id!r} has no grouping key {name!r}; its keys are "
            f"{[*sorted(record.groups), 'modality']}. Set data.split.group_by (or stratify_by) "
            "to one of them."
        )
    return record.groups[name]


def _units_by_stratum(
    records: Sequence[FieldRecord], group_by: str | None, stratify_by: str | None
) -> dict[str, dict[str, list[str]]]:
    """stratum -> unit -> field ids."""
    strata: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unit_stratum: dict[str, str] = {}
    for record in records:
        unit = group_value(record, group_by)
        stratum = group_value(record, stratify_by) if stratify_by else ""
        if unit_stratum.setdefault(unit, stratum) != stratum:
            raise DataError(
                f"{group_by} {unit!r} spans several values of {stratify_by} "
                f"({unit_stratum[unit]!r}, {stratum!r}); a group must lie in one stratum. "
                "Stratify by a coarser key or group by a finer one."
            )
        strata[stratum][unit].append(record.field_id)
    return strata


def make_split(
    records: Sequence[FieldRecord],
    *,
    val_fraction: float,
    test_fraction: float = 0.0,
    group_by: str | None = None,
    stratify_by: str | None = None,
    seed: int = 0,
) -> dict[str, list[str]]:
    """Field ids per split (``train``, ``val``, ``test``), each list sorted."""
    rng = random.Random(seed)
    assigned: dict[str, list[list[str]]] = {name: [] for name in SPLITS}
    largest_train: list[list[str]] = []
    strata = _units_by_stratum(records, group_by, stratify_by)
    for stratum in sorted(strata):
        units = [strata[stratum][u] for u in sorted(strata[stratum])]
        rng.shuffle(units)
        n_val = round(len(units) * val_fraction) if len(units) > 1 else 0
        n_test = round(len(units) * test_fraction) if len(units) > 1 else 0
        n_test = min(n_test, len(units) - 1 - n_val) if n_test else 0
        assigned["val"] += units[:n_val]
        assigned["test"] += units[n_val : n_val + n_test]
        train = units[n_val + n_test :]
        assigned["train"] += train
        if len(train) > len(largest_train):
            largest_train = train
    for name, fraction in (("val", val_fraction), ("test", test_fraction)):
        if fraction > 0 and not assigned[name] and largest_train and len(assigned["train"]) > 1:
            moved = largest_train.pop()
            assigned["train"].remove(moved)
            assigned[name].append(moved)
    return {name: sorted(i for unit in assigned[name] for i in unit) for name in SPLITS}


def write_split(path: Path, splits: dict[str, list[str]], info: dict[str, Any]) -> None:
    """Save ``splits`` as JSON (with ``info``: seed, fractions, keys) or CSV by suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["field_id", "split"])
            for name in SPLITS:
                writer.writerows([field_id, name] for field_id in splits.get(name, []))
        return
    path.write_text(json.dumps({"version": 1, **info, "splits": splits}, indent=2) + "\n")


def read_split(path: Path) -> dict[str, list[str]]:
    """Field ids per split from a file written by :func:`write_split` (JSON or CSV)."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
            splits: dict[str, list[str]] = {name: [] for name in SPLITS}
            for row in rows:
                splits[row["split"]].append(row["field_id"])
            return splits
        data = json.loads(path.read_text())["splits"]
        return {name: list(data.get(name, [])) for name in SPLITS}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"split file {str(path)!r} cannot be read ({type(exc).__name__}: {exc}). It must be "
            "JSON with a 'splits' object or CSV with columns field_id,split (train/val/test); "
            "delete it to make a new split."
        ) from None


def check_split(path: Path, splits: dict[str, list[str]], records: Sequence[FieldRecord]) -> None:
    """Fail when the split file and the dataset's fields disagree."""
    in_file = {i for ids in splits.values() for i in ids}
    in_data = {r.field_id for r in records}
    unknown, unassigned = sorted(in_file - in_data), sorted(in_data - in_file)
    if unknown or unassigned:
        raise DataError(
            f"split file {str(path)!r} does not match the dataset: "
            f"{len(unknown)} field(s) of the file are not in the dataset {unknown[:3]} and "
            f"{len(unassigned)} field(s) of the dataset are in no split {unassigned[:3]}. Use "
            "the dataset the split was made for, or delete the split file to make a new one."
        )
