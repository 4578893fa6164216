"""Every recipe shipped in recipes/ validates against the installed plugins, also after a
round trip through ``i2i recipe show``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import i2i
from i2i.recipe import bundled_recipes, recipe_from_dict
from i2i.recipe.bundled import recipe_folders

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
FILES = sorted(RECIPES.glob("*.yaml"))


def test_the_package_folder_is_the_first_recipe_folder():
    provider, folder = recipe_folders()[0]
    assert provider == "i2i" and folder.resolve() == RECIPES.resolve()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bundled_recipe_validates_and_round_trips(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # relative data roots must not matter for validation
    assert path.stem in bundled_recipes()
    recipe = i2i.load_recipe(path.stem)
    shown = recipe.resolved_yaml()
    again = recipe_from_dict(yaml.safe_load(shown), source=f"{path.name} (shown)")
    assert again.resolved_yaml() == shown
