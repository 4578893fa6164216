"""A data section given as a plain dict is validated into the recipe's section type, so the data
pipeline built from it has every default a recipe has (one source of defaults)."""

from __future__ import annotations

import pytest
from training_support import TINY_UNET

import i2i
from i2i.data import build_dataloaders
from i2i.recipe import RecipeError, data_section
from i2i_plugins.datasets.demo import write_lmc_demo


@pytest.fixture(scope="module")
def lmc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lmc")
    write_lmc_demo(root, size=32, seed=0)
    return root


def test_a_plain_dict_gets_the_defaults_of_a_recipe(lmc_root):
    data = {  # no num_workers, repeat, reader, val_transforms, mix: their defaults apply
        "dataset": {"name": "lmc", "root": str(lmc_root), "targets": ["Nucleus"]},
        "transforms": [{"name": "percentile_normalize"}, {"name": "center_crop", "size": 16}],
        "split": {"val_fraction": 0.25},
        "batch_size": 2,
    }
    model = {"in_channels": 1, "out_channels": 1, **TINY_UNET}
    recipe = i2i.recipe.recipe_from_dict({"name": "defaults", "data": data, "model": model})
    assert data_section(data) == recipe.data
    from_dict, from_recipe = build_dataloaders(data), build_dataloaders(recipe.data)
    for name in ("train", "val"):
        loader, expected = getattr(from_dict, name), getattr(from_recipe, name)
        assert loader.num_workers == expected.num_workers == 2
        assert loader.batch_size == expected.batch_size == 2
        assert len(loader.dataset) == len(expected.dataset)
    assert from_dict.splits == from_recipe.splits
    assert from_dict.contract == from_recipe.contract


def test_a_plain_dict_is_checked_like_a_recipe(lmc_root):
    data = {"dataset": {"name": "lmc", "root": str(lmc_root)}, "num_workers": -1, "shuffle": 1}
    with pytest.raises(RecipeError) as error:
        build_dataloaders(data)
    message = str(error.value)
    assert "data.num_workers" in message and "data.shuffle" in message
