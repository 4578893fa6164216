"""Recipes: YAML files validated by a model built from the installed plugins' components.

See ``docs/recipes.md``. The main entry point is :func:`load_recipe` (also ``i2i.load_recipe``).
"""

from __future__ import annotations

from i2i.recipe.api import (
    ResolvedRecipe,
    data_section,
    load_recipe,
    recipe_from_dict,
    resolve_recipe,
    resolve_recipe_dict,
)
from i2i.recipe.bundled import BundledRecipe, bundled_recipes
from i2i.recipe.errors import Location, Problem, RecipeError
from i2i.recipe.loader import find_recipe
from i2i.recipe.schema import RecipeBase, recipe_json_schema, recipe_model

Recipe = RecipeBase
"""The type of validated recipes (each environment builds a subclass with its components)."""

__all__ = [
    "BundledRecipe",
    "Location",
    "Problem",
    "Recipe",
    "RecipeError",
    "ResolvedRecipe",
    "bundled_recipes",
    "data_section",
    "find_recipe",
    "load_recipe",
    "recipe_from_dict",
    "recipe_json_schema",
    "recipe_model",
    "resolve_recipe",
    "resolve_recipe_dict",
]
