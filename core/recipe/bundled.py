"""Recipes shipped with i2i (``i2i.recipes``) and with plugins (the ``i2i_recipe_dirs`` hook).

A bundled recipe is found by its file name without ``.yaml``: ``i2i run lmc_mito`` runs
``recipes/lmc_mito.yaml`` of whichever installed package ships it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

from i2i.plugins import PluginHost, default_host
from i2i.recipe.errors import Problem, RecipeError

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class BundledRecipe:
    """A recipe file shipped by i2i or a plugin."""

    name: str
    path: Path
    provider: str


def recipe_folders(host: PluginHost | None = None) -> list[tuple[str, Path]]:
    """``(provider, folder)`` of every folder of bundled recipes, i2i's own first."""
    folders = [("i2i", Path(str(resources.files("i2i.recipes"))))]
    host = host or default_host()
    for hookimpl in host.manager.hook.i2i_recipe_dirs.get_hookimpls():
        for folder in cast("list[str | Path]", hookimpl.function() or []):
            folders.append((hookimpl.plugin_name, Path(folder)))
    return folders


def bundled_recipes(host: PluginHost | None = None) -> dict[str, BundledRecipe]:
    """Every bundled recipe by name; two recipes of the same name are an error naming both."""
    found: dict[str, BundledRecipe] = {}
    for provider, folder in recipe_folders(host):
        for path in sorted(p for p in folder.glob("*") if p.suffix in SUFFIXES):
            recipe = BundledRecipe(path.stem, path, provider)
            if path.stem in found:
                other = found[path.stem]
                raise RecipeError(
                    path.stem,
                    [
                        Problem(
                            (),
                            f"two bundled recipes are called {path.stem!r}: {other.path} "
                            f"(from {other.provider}) and {path} (from {provider}); uninstall "
                            "one of the plugins or rename one recipe",
                        )
                    ],
                )
            found[path.stem] = recipe
    return found


def strip_suffix(name: str) -> str:
    """``lmc_mito`` for ``lmc_mito.yaml``."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
