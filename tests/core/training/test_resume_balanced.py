"""A run that oversamples rare classes (``data.dataset.balance``) resumes exactly.

The balanced draws of an epoch depend on (seed, epoch) only, like augmentation, so a run
stopped inside an epoch and resumed ends with the weights of an uninterrupted run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from training_support import LMC_DATASET, TINY_UNET, write_recipe

import i2i
from i2i_plugins.datasets.demo import write_lmc_demo

BALANCED = {**LMC_DATASET, "balance": "organelle"}


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def balanced_recipe(folder: Path, lmc_demo: Path) -> Path:
    """12 steps of 6 batches per epoch (22 training samples, batch 4), random augmentation."""
    folder.mkdir()
    return write_recipe(
        folder, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}], dataset=BALANCED, max_steps=12
    )


def test_a_resumed_balanced_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path, lmc_demo):
    straight = i2i.train(balanced_recipe(tmp_path / "straight", lmc_demo))
    recipe = balanced_recipe(tmp_path / "resumed", lmc_demo)
    stopped = i2i.train(recipe, ["train.max_steps=9"])  # half-way through the second epoch
    assert stopped.steps == 9
    # a resumed run keeps its recipe.yaml (max_steps 9): the safe override extends it
    resumed = i2i.train(recipe, ["train.max_steps=12"], resume=True)
    assert resumed.run.path == stopped.run.path and resumed.steps == 12
    expected, actual = load_file(straight.run.last_weights), load_file(resumed.run.last_weights)
    assert expected.keys() == actual.keys()
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=0, atol=0, msg=name)
