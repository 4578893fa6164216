"""Splits: seeded, stratified, grouped, saved and reloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i2i.data import (
    DataError,
    FieldRecord,
    InputPlane,
    PlaneRef,
    make_split,
    read_split,
    write_split,
)
from i2i.data.splits import check_split


def record(field_id, **groups):
    plane = InputPlane(PlaneRef(Path(f"{field_id}.tif")), channel="BF")
    return FieldRecord(field_id, (plane,), groups=groups)


def studies(counts):
    return [
        record(f"s{s}/f{i}", study=f"s{s}", plate=f"s{s}/p{i // 3}")
        for s, n in enumerate(counts)
        for i in range(n)
    ]


def test_stratified_split_takes_validation_from_every_study():
    records = studies([40, 20, 20])
    splits = make_split(records, val_fraction=0.05, stratify_by="study", seed=1)
    val_studies = {i.split("/")[0] for i in splits["val"]}
    assert val_studies == {"s0", "s1", "s2"}
    assert len(splits["val"]) == 2 + 1 + 1
    assert len(splits["train"]) == 76 and splits["test"] == []


def test_split_is_seeded():
    records = studies([30])
    one = make_split(records, val_fraction=0.2, seed=1)
    assert one == make_split(records, val_fraction=0.2, seed=1)
    assert one != make_split(records, val_fraction=0.2, seed=2)


def test_groups_stay_together():
    records = studies([30, 30])
    splits = make_split(records, val_fraction=0.1, test_fraction=0.1, group_by="plate", seed=0)
    where = {i: name for name, ids in splits.items() for i in ids}
    plates = {}
    for r in records:
        plates.setdefault(r.groups["plate"], set()).add(where[r.field_id])
    assert all(len(names) == 1 for names in plates.values())
    assert splits["val"] and splits["test"]


def test_small_datasets_still_get_a_validation_field():
    splits = make_split(studies([1, 1, 1]), val_fraction=0.05, stratify_by="study")
    assert len(splits["val"]) == 1 and len(splits["train"]) == 2


def test_group_spanning_strata_is_an_error():
    records = [record("a", study="s1", plate="p"), record("b", study="s2", plate="p")]
    with pytest.raises(DataError, match="spans several values"):
        make_split(records, val_fraction=0.5, group_by="plate", stratify_by="study")


def test_unknown_group_key_lists_the_keys():
    with pytest.raises(DataError, match="no grouping key 'well'.*study"):
        make_split(studies([3]), val_fraction=0.3, group_by="well")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=5),
    st.floats(0, 0.5),
    st.floats(0, 0.4),
    st.integers(0, 10),
)
def test_every_field_is_in_exactly_one_split(counts, val, test, seed):
    records = studies(counts)
    splits = make_split(
        records, val_fraction=val, test_fraction=test, stratify_by="study", seed=seed
    )
    ids = [i for name in ("train", "val", "test") for i in splits[name]]
    assert sorted(ids) == sorted(r.field_id for r in records)
    assert splits["train"]


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_split_files_round_trip(tmp_path, suffix):
    records = studies([10, 5])
    splits = make_split(records, val_fraction=0.2, test_fraction=0.2, stratify_by="study")
    path = tmp_path / f"split{suffix}"
    write_split(path, splits, {"seed": 0})
    assert read_split(path) == splits
    check_split(path, splits, records)
    with pytest.raises(DataError, match="does not match the dataset"):
        check_split(path, splits, records[:-1])


def test_unreadable_split_file_says_what_to_do(tmp_path):
    path = tmp_path / "split.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match="delete it to make a new split"):
        read_split(path)
