"""``i2i recipe list|validate|show|schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from i2i.cli.app import app, print_json
from i2i.cli.tables import print_table
from i2i.errors import I2IError

if TYPE_CHECKING:
    from i2i.recipe import RecipeBase

recipe_app = typer.Typer(
    help="List, check, show and describe recipes (YAML training configurations).",
    no_args_is_help=True,
)
app.add_typer(recipe_app, name="recipe")

RecipeArgument = Annotated[
    str, typer.Argument(help="A recipe file, or the name of a bundled recipe (i2i recipe list).")
]
OverridesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Overrides key.path=value, e.g. train.max_steps=100.", show_default=False),
]


@recipe_app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False):
    """List the recipes shipped with i2i and its plugins.

    Example: i2i recipe list
    """
    from i2i.recipe import bundled_recipes

    recipes = sorted(bundled_recipes().values(), key=lambda r: r.name)
    rows = [
        {"name": r.name, "provider": r.provider, "path": str(r.path), "description": _about(r.path)}
        for r in recipes
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        ["name", "provider", "description"],
        [[row["name"], row["provider"], row["description"]] for row in rows],
    )


def _about(path: Path) -> str:
    """A recipe's ``description`` without validating it (a broken recipe is still listed)."""
    from i2i.safe_yaml import YAMLContentError, decode_utf8, load_checked

    try:
        data = load_checked(decode_utf8(path.read_bytes())).data
    except (OSError, YAMLContentError):
        return "(unreadable)"
    return str(data.get("description", "")) if isinstance(data, dict) else ""


@recipe_app.command("validate")
def validate_command(
    recipe: RecipeArgument,
    overrides: OverridesArgument = None,
    no_data_check: Annotated[
        bool,
        typer.Option(
            "--no-data-check", help="Check the recipe only, not that its data folders exist."
        ),
    ] = False,
) -> None:
    """Check a recipe against the installed components and that its data can be read; list
    every problem (exit 1).

    The data check finds the fields of data.dataset (and of each data.mix dataset) under their
    roots; --no-data-check skips it (a recipe written before its data arrives).

    Example: i2i recipe validate recipes/lmc_mito.yaml train.max_steps=100
    """
    from i2i.recipe import load_recipe

    loaded = load_recipe(recipe, overrides or [])
    data_lines = [] if no_data_check else _check_data(loaded)
    typer.echo(f"ok: recipe {loaded.name!r} ({loaded.source}) is valid.")
    for line in [*_summary(loaded.to_dict()), *data_lines]:
        typer.echo(f"  {line}")


class RecipeDataError(I2IError):
    """A valid recipe whose data cannot be found."""


def _check_data(recipe: RecipeBase) -> list[str]:
    """One line per dataset the recipe reads (fields found under its root), or a
    :class:`RecipeDataError` naming every dataset whose root is missing or holds no field."""
    from i2i.data.build import build_layout
    from i2i.data.layout import Layout

    data = recipe.data
    if data is None:
        return []
    datasets = [("data.dataset", data.dataset, data.reader)]
    datasets += [(f"data.mix.{n}.dataset", mix.dataset, None) for n, mix in enumerate(data.mix)]
    lines, problems = [], []
    for path, spec, reader in datasets:
        root = getattr(spec, "root", None)
        if root is not None and not Path(str(root)).expanduser().exists():
            problems.append(f"{path}.root: {str(root)!r} does not exist")
            continue
        layout = build_layout(spec, reader)
        if not isinstance(layout, Layout):
            continue
        try:
            records = layout.index()
        except I2IError as error:
            problems.append(f"{path}: {error}")
            continue
        lines.append(f"{path}: {len(records)} fields under {layout.root}")
    if problems:
        raise RecipeDataError(
            f"recipe {recipe.name!r} ({recipe.source}) is valid but its data cannot be read:\n  "
            + "\n  ".join(problems)
            + f"\nSet the root to the dataset folder (e.g. {datasets[0][0]}.root=DIR), or pass "
            "--no-data-check to check the recipe alone."
        )
    return lines


def _summary(recipe: dict[str, Any]) -> list[str]:
    model = recipe["model"]
    slots = ("encoder", "quantizer", "generator")
    chain = [f"{slot} {model[slot]['name']}" for slot in slots if model.get(slot)]
    lines = [
        f"model:  {' -> '.join(chain)}"
        f" ({model['in_channels']} -> {model['out_channels']} channels)"
        + (f", discriminator {model['discriminator']['name']}" if model["discriminator"] else ""),
        f"losses: {', '.join(loss['name'] for loss in recipe['losses']) or 'none'}",
    ]
    if recipe["data"]:
        data = recipe["data"]
        lines.insert(
            0,
            f"data:   dataset {data['dataset']['name']}, "
            f"{len(data['transforms'])} transforms, batch size {data['batch_size']}",
        )
    train = recipe["train"]
    lines.append(
        f"train:  {train['max_steps']} steps, {train['optimizer']} lr {train['lr']}, "
        f"mixed precision {train['mixed_precision']}"
    )
    return lines


@recipe_app.command("show")
def show_command(
    recipe: RecipeArgument,
    overrides: OverridesArgument = None,
    unvalidated: Annotated[
        bool,
        typer.Option(
            "--unvalidated", help="Print the merged recipe as written, without defaults or checks."
        ),
    ] = False,
) -> None:
    """Print the fully resolved recipe (bases merged, overrides applied, defaults filled in).

    Example: i2i recipe show lmc_mito train.max_steps=100 > my_recipe.yaml
    """
    import yaml

    from i2i.recipe import load_recipe, resolve_recipe_dict

    if unvalidated:
        data = resolve_recipe_dict(recipe, overrides or [])
        typer.echo(yaml.safe_dump(data, sort_keys=False, default_flow_style=None), nl=False)
        return
    typer.echo(load_recipe(recipe, overrides or []).resolved_yaml(), nl=False)


@recipe_app.command("schema")
def schema_command(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this file.")
    ] = None,
) -> None:
    """Write the JSON Schema of recipes, with every installed plugin's components.

    Editors use it through yaml-language-server: put
    '# yaml-language-server: $schema=recipe.schema.json' at the top of a recipe.

    Example: i2i recipe schema -o recipe.schema.json
    """
    from i2i.plugins import get_registries
    from i2i.recipe import recipe_json_schema

    schema = recipe_json_schema(get_registries())
    if output is None:
        print_json(schema)
        return
    output.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")
