"""The paper's recipes run end to end on demo data in the published layouts, shrunk by overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import i2i
from i2i_plugins.datasets.demo import write_jump_demo, write_lmc_demo

TINY = [
    "model.encoder.ch=8",
    "model.encoder.groups=4",
    "model.encoder.ch_mult=[1,2]",
    "model.generator.ch=8",
    "model.generator.groups=4",
    "model.generator.ch_mult=[1,2]",
    "model.quantizer.codebook_size=16",
    "model.discriminator.ndf=8",
    "model.discriminator.n_layers=2",
    "data.transforms=[{name: percentile_normalize}, {name: random_resized_crop, size: 32}]",
    "data.val_transforms=[{name: percentile_normalize}, {name: resize, size: 32}]",
    "data.batch_size=2",
    "data.num_workers=0",
    "train.grad_accum=1",
    "train.max_steps=2",
    "train.validate_every=2",
    "train.validate_every_epochs=null",
    "train.checkpoint_every=2",
    "train.checkpoint_every_epochs=null",
]


def run_recipe(name: str, root: Path, runs: Path, *extra: str):
    overrides = [*TINY, f"data.dataset.root={root}", f"train.runs_root={runs}", *extra]
    return i2i.train(name, overrides)


@pytest.mark.parametrize("name", ["lmc_mito", "lmc_nucleus"])
def test_lmc_recipe_runs_on_the_demo_dataset(name, tmp_path):
    write_lmc_demo(tmp_path / "lmc", seed=0)
    result = run_recipe(name, tmp_path / "lmc", tmp_path / "runs")
    assert result.steps == 2 and result.run.best_weights.is_file()
    assert i2i.load_recipe(result.run.recipe).name == name


def test_actin_fine_tunes_from_its_jump_pretraining(tmp_path):
    write_jump_demo(tmp_path / "jump", seed=0)
    write_lmc_demo(tmp_path / "lmc", seed=0)
    runs = tmp_path / "runs"
    pretrain = run_recipe("lmc_actin_pretrain", tmp_path / "jump", runs, "data.dataset.tiles=null")
    pretrained = load_file(pretrain.run.last_weights)
    # lr 0: the fine-tuning run must end exactly where the pre-training left the weights;
    # the JUMP pre-training data is mixed into the fine-tuning
    mixed_root = f"data.mix.0.dataset.root={tmp_path / 'jump'}"
    actin = run_recipe("lmc_actin", tmp_path / "lmc", runs, "train.lr=1e-30", mixed_root)
    assert (actin.run.path / "split.mix0.json").is_file()
    tuned = load_file(actin.run.last_weights)
    torch.testing.assert_close(
        tuned["encoder.conv_in.weight"], pretrained["encoder.conv_in.weight"]
    )


def test_init_from_a_missing_run_is_a_clear_error(tmp_path):
    write_lmc_demo(tmp_path / "lmc", seed=0)
    with pytest.raises(i2i.I2IError, match="no run of 'lmc_actin_pretrain'"):
        run_recipe("lmc_actin", tmp_path / "lmc", tmp_path / "runs", "data.mix=[]")
