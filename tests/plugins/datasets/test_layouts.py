"""Dataset layouts: indexes over the demo datasets (exact real layouts) and the real ISL sample."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from i2i.data import DataError, build_layout
from i2i.testing import check_component
from i2i_plugins.datasets.demo import LMC_STUDIES, write_jump_demo, write_lmc_demo

ISL_REGEX = (
    r"(?P<fov>.+),(?:z_depth-(?P<z>\d+)|depth_computation-MAXPROJECT),"
    r"channel-(?P<channel>\w+),is_mask-false\.png"
)
ISL_TARGETS = ["DAPI_CONFOCAL", "MAP2_CONFOCAL", "NFH_CONFOCAL"]


@pytest.fixture(scope="module")
def lmc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lmc")
    write_lmc_demo(root, size=32)
    return root


@pytest.fixture(scope="module")
def jump_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("jump")
    write_jump_demo(root, size=32)
    return root


def test_every_dataset_and_transform_meets_the_registry_contract():
    import i2i

    for kind in ("datasets", "transforms"):
        components = list(i2i.registries.kind(kind))
        assert components
        for component in components:
            check_component(component)


def test_lmc_index_counts_planes_organelles_and_pixel_sizes(lmc_root):
    records = build_layout({"name": "lmc", "root": str(lmc_root)}).index()
    expected_fields = [f for s in LMC_STUDIES for f in s.fields]
    assert len(records) == len(expected_fields) == 10
    assert sum(len(r.inputs) for r in records) == sum(f.planes for f in expected_fields) == 26
    organelles = Counter(o for r in records for o in r.targets)
    assert organelles == Counter(o for f in expected_fields for o in f.organelles)
    assert all(1 <= len(r.targets) <= 3 for r in records)
    sizes = {r.groups["study"]: r.pixel_size_um for r in records}
    assert sizes == pytest.approx({s.name: s.pixel_size_um for s in LMC_STUDIES})
    first = records[0]
    assert first.field_id == "Study_1/image_1"
    assert first.modality == "BF" and first.z_planes == [0, 1, 2]
    assert [r.field_id for r in records][-2:] == ["Study_4/image_9", "Study_4/image_10"]


def test_lmc_filters_by_target_and_modality(lmc_root):
    actin = build_layout({"name": "lmc", "root": str(lmc_root), "targets": ["Actin"]}).index()
    assert [r.field_id for r in actin] == ["Study_3/image_7", "Study_3/image_8"]
    pc = build_layout({"name": "lmc", "root": str(lmc_root), "modalities": ["PC"]}).index()
    assert {r.modality for r in pc} == {"PC"} and len(pc) == 3


def test_lmc_pixel_sizes_per_study_match_per_field(lmc_root):
    per_field = build_layout({"name": "lmc", "root": str(lmc_root)}).index()
    spec = {"name": "lmc", "root": str(lmc_root), "pixel_sizes": "per_study"}
    per_study = build_layout(spec).index()
    assert [r.pixel_size_um for r in per_study] == [r.pixel_size_um for r in per_field]


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        build_layout({"name": "lmc", "root": str(tmp_path / "nope")}).index()


def test_jump_index_groups_by_plate_well_site(jump_root):
    layout = build_layout({"name": "jump_cellpaint", "root": str(jump_root)})
    records = layout.index()
    assert len(records) == 8
    assert {r.groups["plate"] for r in records} == {"BR00000001", "BR00000002"}
    record = records[0]
    assert record.field_id == "BR00000001/r01c01/f01"
    assert record.input_channels == ["BF_over", "BF_under", "BF_focus"]
    assert record.inputs[0].source.path.name == "r01c01f01p01-ch6sk1fk1fl1.tiff"
    assert record.targets["DNA"].path.name == "r01c01f01p01-ch5sk1fk1fl1.tiff"
    assert record.pixel_size_um == pytest.approx(0.598)
    assert layout.input_names == ["BF_over", "BF_under", "BF_focus"]


def test_pattern_indexes_the_real_isl_sample(shared_data):
    spec = {
        "name": "pattern",
        "root": str(shared_data / "isl_condition_b"),
        "regex": ISL_REGEX,
        "inputs": ["PHASE_CONTRAST"],
        "targets": ISL_TARGETS,
    }
    (record,) = build_layout(spec).index()
    assert record.z_planes == list(range(13))
    assert sorted(record.targets) == ISL_TARGETS
    assert record.inputs[10].source.path.name.endswith(
        "z_depth-10,channel-PHASE_CONTRAST,is_mask-false.png"
    )
    assert record.groups["fov"].endswith("well-A4,tile_computation-STITCHED")


def test_pattern_without_channel_group_is_an_error(tmp_path):
    spec = {"name": "pattern", "root": str(tmp_path), "regex": r"(?P<fov>\w+)\.tif"}
    with pytest.raises(DataError, match="no named group 'channel'"):
        build_layout({**spec, "inputs": ["a"], "targets": ["b"]}).index()


def test_paired_table_lists_fields_planes_and_missing_targets(lmc_root, tmp_path):
    table = tmp_path / "pairs.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["field", "z", "bf", "nucleus", "actin", "study"])
        writer.writerow(
            [
                "a",
                0,
                "Study_3/image_7_DIC_z0.ome.tiff",
                "Study_3/image_7_Nucleus.ome.tiff",
                "",
                "s3",
            ]
        )
        writer.writerow(
            ["a", 1, "Study_3/image_7_DIC_z1.ome.tiff", "", "Study_3/image_7_Actin.ome.tiff", "s3"]
        )
        writer.writerow(["b", 0, "Study_3/image_8_DIC_z0.ome.tiff", "", "", "s3"])
    spec = {
        "name": "paired_table",
        "root": str(lmc_root),
        "table": str(table),
        "inputs": ["bf"],
        "targets": ["nucleus", "actin"],
        "field_column": "field",
        "z_column": "z",
        "group_columns": ["study"],
    }
    records = build_layout(spec).index()
    assert [r.field_id for r in records] == ["a"]
    assert records[0].z_planes == [0, 1] and sorted(records[0].targets) == ["actin", "nucleus"]
    assert records[0].groups == {"study": "s3"}
    with pytest.raises(DataError, match="no column"):
        build_layout({**spec, "targets": ["tubulin"]}).index()
