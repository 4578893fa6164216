"""Loading recipes: find → read with bases → override → interpolate → validate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from i2i.recipe.errors import Problem, RecipeError
from i2i.recipe.interpolate import interpolate
from i2i.recipe.loader import Document, display_name, find_recipe, read_with_bases
from i2i.recipe.overrides import apply_overrides
from i2i.recipe.schema import RecipeBase, recipe_model
from i2i.recipe.sections import DataSection
from i2i.recipe.validation import validate_data_section, validate_document
from i2i.registry import Registries


@dataclass
class ResolvedRecipe:
    """A recipe merged over its bases, overridden and interpolated, not yet validated."""

    source: FilePath
    document: Document
    problems: list[Problem]

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data


def _registries(registries: Registries | None) -> Registries:
    if registries is not None:
        return registries
    from i2i.plugins import get_registries

    return get_registries()


def resolve_recipe(
    path_or_name: str | FilePath,
    overrides: Iterable[str] = (),
    registries: Registries | None = None,
) -> ResolvedRecipe:
    """Read a recipe (file or bundled name), apply its ``extends`` chain, overrides and env."""
    source = find_recipe(path_or_name)
    model = recipe_model(_registries(registries))
    document, problems = apply_overrides(read_with_bases(source), overrides, model)
    data, env_problems = interpolate(document.data)
    located = [Problem(p.path, p.message, document.location(p.path)) for p in env_problems]
    return ResolvedRecipe(source, Document(data, document.positions), problems + located)


def resolve_recipe_dict(
    path_or_name: str | FilePath,
    overrides: Iterable[str] = (),
    registries: Registries | None = None,
) -> dict[str, Any]:
    """The merged, overridden and interpolated recipe as a dict, before validation."""
    resolved = resolve_recipe(path_or_name, overrides, registries)
    if resolved.problems:
        raise RecipeError(display_name(resolved.source), resolved.problems)
    return resolved.data


def load_recipe(
    path_or_name: str | FilePath,
    overrides: Iterable[str] = (),
    registries: Registries | None = None,
) -> RecipeBase:
    """The validated recipe from a file or a bundled recipe name, with ``overrides`` applied.

    Every problem (unknown component or key, wrong type, unset environment variable...) is
    reported at once in one :class:`RecipeError`.

    Example::

        recipe = i2i.load_recipe("recipes/lmc_mito.yaml", ["train.max_steps=100"])
        recipe.train.max_steps        # 100
        recipe.resolved_yaml()        # the recipe that reproduces the run on its own
    """
    registries = _registries(registries)
    resolved = resolve_recipe(path_or_name, overrides, registries)
    recipe = validate_document(
        resolved.document,
        recipe_model(registries),
        display_name(resolved.source),
        resolved.problems,
    )
    recipe._source = resolved.source.resolve()
    return recipe


def recipe_from_dict(
    data: Mapping[str, Any], registries: Registries | None = None, source: str = "<recipe>"
) -> RecipeBase:
    """Validate an already resolved recipe (e.g. one saved in a run folder or weights file)."""
    model = recipe_model(_registries(registries))
    return validate_document(Document(dict(data)), model, source)


def data_section(
    data: Mapping[str, object],
    registries: Registries | None = None,
    source: str = "<data section>",
) -> DataSection:
    """A recipe's ``data`` section given as a plain dict, validated into its type with every
    default a recipe has (``build_dataloaders`` calls it for a dict)."""
    return validate_data_section(data, recipe_model(_registries(registries)), source)
