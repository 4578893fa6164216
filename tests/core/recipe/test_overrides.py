"""Command-line overrides key.path=value, typed by the schema."""

from __future__ import annotations

import pytest
from recipe_support import GOOD_RECIPE, install_fakes, write

import i2i
from i2i.recipe import RecipeError
from i2i.recipe.errors import suggestion
from i2i.recipe.overrides import parse_override


@pytest.fixture
def fake_host(i2i_host):
    return install_fakes(i2i_host)


@pytest.fixture
def recipe_path(fake_host, tmp_path):
    return write(tmp_path, "tiny.yaml", GOOD_RECIPE)


def test_values_are_typed_by_the_schema(recipe_path):
    recipe = i2i.load_recipe(
        recipe_path,
        [
            "train.max_steps=100",
            "model.encoder.ch_mult=[1,2,2]",
            "name=001",
            "data.dataset.root=yes",
            "train.lr=3e-4",
            "train.grad_clip=1",
            "train.ema.decay=0.99",
            "losses.2.weight=0.5",
        ],
    )
    assert recipe.train.max_steps == 100
    assert recipe.model.encoder.ch_mult == [1, 2, 2]
    assert recipe.name == "001"  # a text field keeps the text as written
    assert recipe.data.dataset.root == "yes"  # not the YAML boolean
    assert recipe.train.lr == pytest.approx(3e-4)
    assert recipe.train.ema.decay == pytest.approx(0.99)  # missing mappings are created
    assert recipe.losses[2].weight == 0.5


def test_null_and_whole_components(recipe_path):
    recipe = i2i.load_recipe(
        recipe_path,
        ["model.discriminator=null", "losses=[{name: l1}]", "train.best_metric=null"],
    )
    assert recipe.model.discriminator is None
    assert [loss.name for loss in recipe.losses] == ["l1"]
    assert recipe.train.best_metric is None


def test_renaming_a_component_starts_from_its_defaults(recipe_path):
    recipe = i2i.load_recipe(
        recipe_path,
        ["model.encoder=null", "model.quantizer=null", "model.generator.name=unet"],
    )
    assert recipe.model.generator.name == "unet" and recipe.model.generator.ch == 16


def test_override_problems_are_located_on_the_command_line(recipe_path):
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(recipe_path, ["train.max_stepz=5", "train.lr=fast", "losses.9.weight=1"])
    problems = {".".join(map(str, p.path)): p for p in error.value.problems}
    assert set(problems) == {"train.max_stepz", "train.lr", "losses.9.weight"}
    assert str(problems["train.lr"].location) == "override train.lr=fast"
    assert "Did you mean 'max_steps'?" in problems["train.max_stepz"].message
    assert "losses has 3 items; no item 9" in problems["losses.9.weight"].message


@pytest.mark.parametrize("text", ["train.max_steps", "=3", "train..lr=1"])
def test_malformed_override(text):
    with pytest.raises(RecipeError, match="is not of the form key.path=value"):
        parse_override(text)


def test_parse_override_splits_indices():
    assert parse_override("losses.0.weight = 2") == (("losses", 0, "weight"), "2")


@pytest.mark.parametrize(
    ("word", "hint"),
    [
        ("l2", "'l1'"),
        ("codebok", "'codebook'"),
        ("max_step", "'max_steps'"),
        ("ptachgan", "'patchgan'"),
    ],
)
def test_suggestions_catch_one_letter_mistakes(word, hint):
    assert hint in suggestion(word, ["l1", "codebook", "max_steps", "patchgan", "gan"])


def test_no_suggestion_for_unrelated_words():
    assert suggestion("resnet", ["l1", "gan"]) == ""
