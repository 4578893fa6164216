"""FieldDataset and build_dataloaders over the demo datasets: samples, masks, tiles, resampling,
balance, split files, the input contract."""

from __future__ import annotations

import json

import pytest
import torch

from i2i.contract import InputContract
from i2i.data import DataError, FieldDataset, balance_weights, build_dataloaders, build_layout
from i2i.data.tiling import keep_tiles, tile_grid
from i2i_plugins.datasets.demo import write_jump_demo, write_lmc_demo

TARGETS = ["Nucleus", "Mitochondria", "Actin", "Tubulin"]


@pytest.fixture(scope="module")
def lmc_records(tmp_path_factory):
    root = tmp_path_factory.mktemp("lmc")
    write_lmc_demo(root, size=32)
    return root, build_layout({"name": "lmc", "root": str(root)}).index()


@pytest.fixture(scope="module")
def jump_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("jump")
    write_jump_demo(root, size=64)
    return root


def test_every_plane_is_a_sample_with_masks_for_missing_targets(lmc_records):
    _, records = lmc_records
    dataset = FieldDataset(records, TARGETS)
    assert len(dataset) == 26 and dataset.in_channels == 1
    item = dataset[0]
    assert item["input"].shape == (1, 32, 32) and item["input"].dtype == torch.float32
    assert item["target"].shape == (4, 32, 32)
    assert item["mask"].tolist() == [1.0, 1.0, 0.0, 1.0]  # Study_1/image_1: no actin
    assert item["target"][2].abs().sum() == 0 and item["target"][0].abs().sum() > 0
    assert item["meta"]["field_id"] == "Study_1/image_1" and item["meta"]["z"] == [0]


def test_plane_selection(lmc_records):
    _, records = lmc_records
    assert len(FieldDataset(records, TARGETS, z="middle")) == 10
    middle = FieldDataset(records[:1], TARGETS, z="middle")
    assert middle.samples[0].z == (1,)
    with pytest.raises(DataError, match="different numbers of input channels"):
        FieldDataset(records, TARGETS, z="all")
    with pytest.raises(DataError, match="missing"):
        FieldDataset(records, TARGETS, z=[0, 1])
    stacked = FieldDataset(records[:1], TARGETS, z=[0, 2])
    assert stacked[0]["input"].shape == (2, 32, 32)


def test_resampling_to_a_pixel_size(lmc_records):
    _, records = lmc_records
    study_3 = [r for r in records if r.field_id == "Study_3/image_7"]  # 48x40 at 0.06 µm
    item = FieldDataset(study_3, TARGETS, resample_to_um=0.12)[0]
    assert item["input"].shape == (1, 24, 20) and item["target"].shape == (4, 24, 20)
    assert item["meta"]["pixel_size_um"] == 0.12


def test_tile_grid_covers_the_field():
    assert len(tile_grid(100, 80, grid=4)) == 16
    tiles = tile_grid(100, 70, size=32)
    covered = torch.zeros(100, 70)
    for y, x, h, w in tiles:
        assert (h, w) == (32, 32)
        covered[y : y + h, x : x + w] = 1
    assert covered.all()


def test_empty_tiles_are_dropped():
    target = torch.zeros(40, 40)
    target[:20, :20] = torch.rand(20, 20) + 1  # signal in the top-left quarter only
    tiles = tile_grid(40, 40, grid=2)
    assert keep_tiles(tiles, [target.numpy()], 0.05) == [(0, 0, 20, 20)]
    assert keep_tiles(tiles, [target.numpy()], 0.0) == tiles
    assert keep_tiles(tiles, [torch.zeros(40, 40).numpy()], 0.05) == []


def test_jump_fields_are_tiled_into_three_channel_samples(jump_root):
    records = build_layout({"name": "jump_cellpaint", "root": str(jump_root)}).index()
    dataset = FieldDataset(records, ["DNA", "Mito"], tiles=_tiles(grid=4, min_foreground=0.0))
    assert len(dataset) == 8 * 16
    item = dataset[5]
    assert item["input"].shape == (3, 16, 16) and item["target"].shape == (2, 16, 16)
    assert item["meta"]["tile"] == (16, 16, 16, 16)
    filtered = FieldDataset(records, ["DNA"], tiles=_tiles(grid=4, min_foreground=0.3))
    assert 0 < len(filtered) < len(dataset)


def _tiles(**params):
    from i2i.data import TilingParams

    return TilingParams(**params)


def test_balance_weights_equalise_organelles(lmc_records):
    _, records = lmc_records
    weights = balance_weights(records, "organelle", TARGETS)
    actin = [w for r, w in zip(records, weights, strict=True) if "Actin" in r.targets]
    assert min(actin) == max(weights) == pytest.approx(1 / 2)
    study = balance_weights(records, "study", TARGETS)
    assert study[0] == pytest.approx(1 / 3) and study[-1] == pytest.approx(1 / 2)


def recipe_data(root, **extra):
    return {
        "dataset": {"name": "lmc", "root": str(root), **extra},
        "transforms": [
            {"name": "percentile_normalize"},
            {"name": "random_resized_crop", "size": 16},
            {"name": "flip"},
            {"name": "rot90"},
        ],
        "split": {"val_fraction": 0.2, "stratify_by": "study", "seed": 0},
        "batch_size": 4,
        "num_workers": 0,
    }


def test_build_dataloaders_batches_splits_and_contract(lmc_records, tmp_path):
    root, _ = lmc_records
    split_path = tmp_path / "split.json"
    data = build_dataloaders(recipe_data(root), split_path=split_path, seed=0)
    batch = next(iter(data.train))
    assert batch["input"].shape == (4, 1, 16, 16) and batch["target"].shape == (4, 4, 16, 16)
    assert batch["mask"].shape == (4, 4) and len(batch["meta"]) == 4
    assert torch.isfinite(batch["input"]).all()
    val = next(iter(data.val))
    assert val["input"].shape[-2:] == (16, 16)  # random_resized_crop -> resize for validation
    assert len(data.splits["val"]) == 2 and data.test is None
    assert data.contract == InputContract(
        input_channels=None,
        z_planes="each",
        normalization="percentile",
        percentiles=(2.0, 99.8),
        pixel_size_um=None,
        output_channels=TARGETS,
    )
    saved = json.loads(split_path.read_text())
    assert saved["splits"] == data.splits and saved["stratify_by"] == "study"
    other = recipe_data(root)
    other["split"]["seed"] = 5  # the saved split wins over a changed seed
    assert build_dataloaders(other, split_path=split_path).splits == data.splits


def test_training_order_is_seeded(lmc_records):
    root, _ = lmc_records

    def first_fields(seed):
        torch.manual_seed(0)
        loader = build_dataloaders(recipe_data(root), seed=seed).train
        return [m["field_id"] for m in next(iter(loader))["meta"]]

    assert first_fields(1) == first_fields(1)


def test_balanced_sampling_and_workers(lmc_records):
    """Balance oversamples rare organelles; an epoch's draws depend on (seed, epoch) only."""
    root, _ = lmc_records
    data = recipe_data(root, balance="organelle")
    data["num_workers"] = 1
    loader = build_dataloaders(data, seed=3).train
    first = list(loader)
    assert sum(len(b["meta"]) for b in first) == len(loader.dataset)
    assert drawn_fields(loader) == drawn_fields(first)  # the same epoch again draws the same
    fresh = build_dataloaders(data, seed=3).train  # as a resumed run builds it
    assert drawn_fields(fresh) == drawn_fields(first)
    fresh.sampler.set_epoch(1)
    assert drawn_fields(fresh) != drawn_fields(first)
    dataset, draws = loader.dataset, []
    for epoch in range(50):
        loader.sampler.set_epoch(epoch)
        draws += list(loader.sampler)
    actin = {
        i for i, s in enumerate(dataset.samples) if "Actin" in dataset.records[s.record].targets
    }
    uniform_share = len(actin) / len(dataset)
    assert sum(i in actin for i in draws) / len(draws) > 1.5 * uniform_share


def drawn_fields(batches) -> list[str]:
    return [m["field_id"] for batch in batches for m in batch["meta"]]


def test_batches_of_different_sizes_explain_the_fix(lmc_records):
    root, _ = lmc_records
    data = recipe_data(root)
    data["transforms"] = []
    data["batch_size"] = 26
    data["split"] = {"val_fraction": 0.0}
    with pytest.raises(DataError, match="Add a resize or crop transform"):
        next(iter(build_dataloaders(data).train))
