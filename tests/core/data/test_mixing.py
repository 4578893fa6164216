"""``data.mix``: other datasets mixed into training with their share of every epoch.

Light My Cells actin (the recipe's dataset) mixed with JUMP bright field -> AGP (the
pre-training data), as the paper's actin scheme, on the demo datasets.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file
from training_support import TINY_UNET
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.data import DataError, build_dataloaders, build_layout, make_split
from i2i.data.sampling import MixedSampler, TrainingSource
from i2i.recipe import RecipeError
from i2i_plugins.datasets.demo import write_jump_demo, write_lmc_demo

JUMP_SPLIT = {"val_fraction": 0.25, "group_by": "well", "seed": 0}


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demos")
    write_lmc_demo(root / "lmc", size=32, seed=0)
    write_jump_demo(root / "jump", size=32, seed=0)
    return root / "lmc", root / "jump"


def jump_source(root: Path, **changes) -> dict:
    source = {
        "dataset": {
            "name": "jump_cellpaint",
            "root": str(root),
            "inputs": ["BF_focus"],
            "targets": ["AGP"],
        },
        "targets": {"AGP": "Actin"},
        "fraction": 0.5,
        "split": JUMP_SPLIT,
    }
    return source | changes


def actin_data(demos: tuple[Path, Path], *mix: dict, targets=("Actin",)) -> dict:
    lmc, _ = demos
    return {
        "dataset": {"name": "lmc", "root": str(lmc), "targets": list(targets)},
        "transforms": [{"name": "percentile_normalize"}, {"name": "random_crop", "size": 16}],
        "split": {"val_fraction": 0.0},
        "batch_size": 2,
        "num_workers": 0,
        "mix": list(mix),
    }


def epoch_batches(loader, epoch: int) -> list[dict]:
    loader.sampler.set_epoch(epoch)
    loader.dataset.set_epoch(epoch)
    return list(loader)


# --------------------------------------------------------------------------- the sampler
class Sized:
    def __init__(self, length: int):
        self.length = length

    def __len__(self) -> int:
        return self.length


def test_sampler_gives_each_source_its_expected_share_and_depends_on_seed_and_epoch():
    own, other = TrainingSource(Sized(3000), 0.75), TrainingSource(Sized(50), 0.25)
    sampler = MixedSampler([own, other], seed=3)
    assert len(sampler) == 4000  # the recipe's samples about once per epoch
    drawn = list(sampler)
    assert sum(i >= 3000 for i in drawn) / len(drawn) == pytest.approx(0.25, abs=0.02)
    assert list(MixedSampler([own, other], seed=3)) == drawn
    sampler.set_epoch(1)
    assert list(sampler) != drawn


def test_sampler_keeps_the_balance_weights_inside_a_source():
    own = TrainingSource(Sized(4), 0.5, weights=[1.0, 1.0, 0.0, 0.0])
    drawn = Counter(MixedSampler([own, TrainingSource(Sized(2), 0.5)], seed=0))
    assert drawn[2] == drawn[3] == 0 and drawn[0] and drawn[1] and drawn[4] and drawn[5]


# --------------------------------------------------------------------------- the loaders
def test_mixed_samples_come_from_the_training_split_of_the_mixed_dataset(demos, tmp_path):
    _, jump = demos
    split_path = tmp_path / "split.json"
    loaders = build_dataloaders(actin_data(demos, jump_source(jump)), split_path, seed=0)
    saved = json.loads((tmp_path / "split.mix0.json").read_text())["splits"]
    # the mixed dataset's own split: what a recipe training on it with JUMP_SPLIT uses
    records = build_layout(jump_source(jump)["dataset"]).index()
    assert saved == make_split(records, val_fraction=0.25, group_by="well", seed=0)
    seen = Counter()
    for epoch in range(3):
        for batch in epoch_batches(loaders.train, epoch):
            assert batch["mask"].tolist() == [[1.0]] * len(batch["meta"])  # AGP is Actin
            seen.update(m["field_id"] for m in batch["meta"])
    jump_fields = {f for f in seen if f.startswith("BR")}
    assert jump_fields and jump_fields <= set(saved["train"])
    assert sum(seen[f] for f in jump_fields) / seen.total() == pytest.approx(0.5, abs=0.2)
    assert not any(f.startswith("BR") for f in loaders.splits["train"] + loaders.splits["val"])


def test_recipe_targets_the_mixed_dataset_lacks_are_masked(demos):
    _, jump = demos
    data = actin_data(demos, jump_source(jump), targets=("Nucleus", "Actin"))
    mixed = data_of(build_dataloaders(data).train, "BR")
    assert mixed["mask"].tolist() == [0.0, 1.0]
    assert mixed["target"][0].abs().sum() == 0 and mixed["target"][1].abs().sum() > 0


def data_of(loader, prefix: str) -> dict:
    """The first sample of ``loader``'s dataset whose field id starts with ``prefix``."""
    return next(s for s in loader.dataset if s["meta"]["field_id"].startswith(prefix))


def test_same_names_map_without_a_targets_mapping(demos):
    _, jump = demos
    lmc_nucleus = {"name": "lmc", "root": str(demos[0]), "targets": ["Nucleus"]}
    source = jump_source(jump, targets=None)
    source["dataset"] = source["dataset"] | {"targets": ["DNA"]}
    data = actin_data(demos, source) | {"dataset": lmc_nucleus}
    with pytest.raises(DataError, match=r"data.mix.0: .*share no name.*\{DNA: Nucleus\}"):
        build_dataloaders(data)
    source["targets"] = {"DNA": "Nucleus"}
    assert data_of(build_dataloaders(data).train, "BR")["mask"].tolist() == [1.0]


def test_same_batches_for_the_same_seed_and_epoch(demos):
    _, jump = demos

    def batches(epoch: int) -> list[dict]:
        loader = build_dataloaders(actin_data(demos, jump_source(jump)), seed=1).train
        return epoch_batches(loader, epoch)

    first, again, later = batches(1), batches(1), batches(2)
    for a, b in zip(first, again, strict=True):
        assert a["meta"] == b["meta"]
        torch.testing.assert_close(a["input"], b["input"], rtol=0, atol=0)
    assert fields(first) != fields(later)


def fields(batches: list[dict]) -> list[str]:
    return [m["field_id"] for batch in batches for m in batch["meta"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"dataset": {"name": "jump_cellpaint", "targets": ["AGP"]}},
            r"data.mix.0.dataset: its samples have 3 input channel\(s\) .* data.dataset have 1",
        ),
        ({"targets": {"ER": "Actin"}}, r"data.mix.0.targets maps \['ER'\], which .* \['AGP'\]"),
        ({"targets": {"AGP": "Tubulin"}}, r"maps onto \['Tubulin'\], which the recipe does not"),
    ],
)
def test_mismatched_mixed_datasets_are_clear_errors(demos, change, message):
    _, jump = demos
    source = jump_source(jump)
    if "dataset" in change:
        change = {"dataset": change["dataset"] | {"root": str(jump)}}
    with pytest.raises(DataError, match=message):
        build_dataloaders(actin_data(demos, source | change))


# --------------------------------------------------------------------------- the recipe
def test_recipe_rejects_fractions_that_leave_nothing_to_the_recipes_dataset(demos, tmp_path):
    _, jump = demos
    recipe = {
        "name": "mixed",
        "data": actin_data(demos, jump_source(jump, fraction=0.6), jump_source(jump)),
        "model": {"in_channels": 1, "out_channels": 1, **TINY_UNET},
    }
    with pytest.raises(RecipeError, match=r"data.mix.*add up to 1\.1"):
        i2i.recipe.recipe_from_dict(recipe)
    with pytest.raises(RecipeError, match=r"data.mix.*add up to 1\.1"):  # a plain dict too
        build_dataloaders(recipe["data"])
    recipe["data"]["mix"] = [jump_source(jump, targets={"AGP": "Actin", "ER": "Actin"})]
    with pytest.raises(RecipeError, match=r"data.mix.0.*several .* onto \['Actin'\]"):
        i2i.recipe.recipe_from_dict(recipe)


def write_mixed_recipe(folder: Path, demos: tuple[Path, Path]) -> Path:
    _, jump = demos
    recipe = {
        "name": "mixed",
        "data": actin_data(demos, jump_source(jump)),
        "model": {"in_channels": 1, "out_channels": 1, **TINY_UNET},
        "losses": [{"name": "l1"}],
        "train": {
            "max_steps": 7,
            "validate_every": 100,
            "checkpoint_every": 100,
            "runs_root": str(folder / "runs"),
        },
    }
    holdout = {"axis": "x", "start": 0.75, "end": 1.0}  # validate on a band of each field
    recipe["data"]["split"] = {"val_fraction": 0, "holdout": holdout}
    folder.mkdir(exist_ok=True)
    path = folder / "mixed.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def test_a_resumed_mixed_run_ends_with_the_weights_of_an_uninterrupted_one(demos, tmp_path):
    straight = i2i.train(write_mixed_recipe(tmp_path / "straight", demos))
    recipe = write_mixed_recipe(tmp_path / "resumed", demos)
    i2i.train(recipe, ["train.max_steps=5"])  # stops inside the second epoch (4 batches each)
    # the run's saved recipe says 5 steps: train on to the recipe's 7 (a safe override)
    resumed = i2i.train(recipe, ["train.max_steps=7"], resume=True)
    assert resumed.run.split.with_name("split.mix0.json").is_file()
    expected, actual = load_file(straight.run.last_weights), load_file(resumed.run.last_weights)
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=0, atol=0, msg=name)


def test_data_summary_shows_the_mixed_datasets(demos, tmp_path):
    recipe = write_mixed_recipe(tmp_path, demos)
    result = CliRunner().invoke(app, ["data", "summary", str(recipe), "--json"])
    assert result.exit_code == 0, result.output
    (mixed,) = json.loads(result.output)["mix"]
    assert mixed["layout"] == "jump_cellpaint" and mixed["fraction"] == 0.5
    assert mixed["targets"] == {"AGP": "Actin"} and mixed["split_fields"]["val"] == 2
    text = CliRunner().invoke(app, ["data", "summary", str(recipe)]).output
    assert "data.mix.0: 50% of the training samples (targets AGP -> Actin)" in text
