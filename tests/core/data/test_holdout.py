"""Hold-out bands (validate on a band of every field) and remembered normalisation bounds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import i2i
from i2i.data import build_dataloaders
from i2i.recipe.sections import SplitConfig
from i2i_plugins.datasets.demo import write_lmc_demo


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("lmc")
    write_lmc_demo(root, seed=0)
    return root


def data_section(root, transforms=(), holdout=None):
    split = {"val_fraction": 0.0, "holdout": holdout} if holdout else {"val_fraction": 0.25}
    return {
        "dataset": {"name": "lmc", "root": str(root), "targets": ["Nucleus"], "z": "middle"},
        "transforms": list(transforms),
        "val_transforms": [],
        "split": split,
        "batch_size": 1,
        "num_workers": 0,
    }


def test_holdout_band_splits_every_field_into_train_and_val_parts(lmc_demo, tmp_path):
    holdout = {"axis": "x", "start": 0.75, "end": 1.0}
    loaders = build_dataloaders(data_section(lmc_demo, holdout=holdout), tmp_path / "split.json")
    train, val = loaders.train.dataset, loaders.val.dataset
    assert len(train) == len(val) == len(loaders.records)
    for index in range(len(train)):
        full_width = train.images.plane_shape(train.records[index].inputs[0].source)[1]
        train_width = train[index]["input"].shape[-1]
        val_width = val[index]["input"].shape[-1]
        assert train_width == round(0.75 * full_width)
        assert train_width + val_width == full_width
        assert val[index]["meta"]["tile"][1] == train_width  # the band starts where training ends


def test_holdout_needs_an_edge_and_no_fractions():
    with pytest.raises(ValueError, match="edge"):
        SplitConfig(val_fraction=0, holdout={"start": 0.25, "end": 0.5})
    with pytest.raises(ValueError, match="must be 0"):
        SplitConfig(val_fraction=0.1, holdout={"start": 0.75, "end": 1.0})


def test_normalisation_bounds_are_remembered_per_field_but_not_for_random_crops():
    normalize = i2i.registries.transforms.create({"name": "percentile_normalize"})
    crop = i2i.registries.transforms.create({"name": "random_crop", "size": 8})
    rng = np.random.default_rng(0)
    image = torch.arange(2 * 16 * 16, dtype=torch.float32).reshape(2, 16, 16)

    def sample():
        meta = {"field_id": "f", "tile": None, "z": [0]}
        return {"input": image.clone(), "target": image[:1].clone(), "meta": meta}

    first = normalize(sample(), rng)
    assert len(normalize._bounds) == 2  # input and target of field f
    again = normalize(sample(), rng)
    torch.testing.assert_close(again["input"], first["input"])
    cropped = normalize(crop(sample(), rng), rng)
    assert len(normalize._bounds) == 2  # a random crop has its own percentiles, not remembered
    assert cropped["input"].min() < 0.05 and cropped["input"].max() > 0.95
