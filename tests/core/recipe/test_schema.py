"""The recipe JSON Schema (``i2i recipe schema``) as editors use it: it accepts every bundled
recipe, including the partial ones that ``extends`` a base, and still flags real mistakes."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from i2i.cli import app
from i2i.plugins import get_registries
from i2i.recipe import recipe_json_schema
from i2i.recipe.bundled import bundled_recipes


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = recipe_json_schema(get_registries())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def bundled(name: str) -> dict:
    return yaml.safe_load(bundled_recipes()[name].path.read_text(encoding="utf-8"))


def messages(validator: jsonschema.Draft202012Validator, recipe: dict) -> list[str]:
    return [error.message for error in validator.iter_errors(recipe)]


RECIPES = sorted(bundled_recipes())


@pytest.mark.parametrize("name", RECIPES)
def test_every_bundled_recipe_is_valid_under_the_schema(validator, name):
    assert messages(validator, bundled(name)) == []


def test_the_bundled_recipes_include_partial_ones():
    partial = [name for name in RECIPES if "extends" in bundled(name)]
    assert len(RECIPES) >= 19 and len(partial) >= 10


MISTAKES = {
    "unknown top-level key": {"version": 1, "name": "x", "extends": "lmc_base", "trian": {}},
    "unknown key in a section": {"name": "x", "extends": "lmc_base", "train": {"max_step": 5}},
    "wrong type in a section": {"name": "x", "extends": "lmc_base", "train": {"max_steps": "many"}},
    "unknown component": {"name": "x", "extends": "lmc_base", "losses": [{"name": "l2"}]},
    "unknown parameter of a component": {
        "name": "x",
        "extends": "lmc_base",
        "model": {"encoder": {"name": "vqgan", "chanels": 8}},
    },
    "bad recipe name": {"name": "has space", "extends": "lmc_base"},
    "a full recipe without a model": {"version": 1, "name": "x", "train": {"max_steps": 5}},
    "a full recipe with a model missing its channels": {
        "name": "x",
        "model": {"generator": {"name": "unet"}},
    },
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_real_mistakes_are_still_rejected(validator, mistake):
    assert messages(validator, MISTAKES[mistake]) != []


def test_cli_schema_file_validates_a_bundled_partial_recipe(tmp_path):
    out = tmp_path / "recipe.schema.json"
    result = CliRunner().invoke(app, ["recipe", "schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    validator = jsonschema.Draft202012Validator(json.loads(out.read_text()))
    assert messages(validator, bundled("jump_dna")) == []
