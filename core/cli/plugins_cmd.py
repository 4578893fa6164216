"""``i2i plugins`` and ``i2i components``."""

from __future__ import annotations

from typing import Annotated

import typer

from i2i.cli.app import app, print_json
from i2i.cli.tables import print_table
from i2i.plugins import default_host


@app.command("plugins")
def plugins_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List plugins: name, distribution, version, hooks, status and error.

    Example: i2i plugins --json
    """
    infos = sorted(default_host().infos.values(), key=lambda info: info.name)
    if as_json:
        print_json([info.as_dict() for info in infos])
        return
    rows = [
        [
            info.name,
            f"{info.distribution}\n{info.version}",
            "\n".join(info.hooks),
            str(info.components),
            info.status if info.error is None else f"{info.status}: {info.error}",
        ]
        for info in infos
    ]
    print_table(["plugin", "distribution version", "hooks", "components", "status"], rows)


@app.command("components")
def components_command(
    kind: Annotated[
        str | None, typer.Argument(help="Only this kind (encoders, losses, metrics, ...).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List registered components: name, kind, provider, description.

    Example: i2i components losses
    """
    registries = default_host().registries
    registries_shown = [registries.kind(kind)] if kind else list(registries)
    components = [c for registry in registries_shown for c in registry]
    if as_json:
        print_json(
            [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "provider": c.provider,
                    "description": c.description,
                    "params": c.params.model_json_schema(),
                }
                for c in components
            ]
        )
        return
    rows = [[c.name, c.kind, c.provider, c.description] for c in components]
    print_table(["name", "kind", "provider", "description"], rows)
    for info in default_host().failed():
        typer.echo(f"warning: plugin {info.name!r} was skipped: {info.error}", err=True)
