"""``i2i zoo list|info|download|verify|export``: the model zoo from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app, print_json
from i2i.cli.tables import print_table

zoo_app = typer.Typer(
    help="Models by name: list, describe, download, verify the cache, export runs for publishing.",
    no_args_is_help=True,
)
app.add_typer(zoo_app, name="zoo")

_SHORT_MODALITY = {"bright-field": "BF", "phase-contrast": "PC", "dic": "DIC"}
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@zoo_app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """List the models of the zoo: name, organelles, modality, size, status, cached.

    Example: i2i zoo list
    """
    from i2i.zoo import cache_state, load_manifest

    entries = sorted(load_manifest().values(), key=lambda e: e.card.name)
    rows = [_row(entry, cache_state(entry)) for entry in entries]
    if as_json:
        print_json(rows)
        return
    headers = ["name", "organelles", "modality", "size", "status", "cached"]
    shown = [
        [
            row["name"],
            "\n".join(row["organelles"]),
            "/".join(_SHORT_MODALITY.get(m, m) for m in row["modality"]),
            _human_size(row["size"]) if row["size"] else "-",
            row["status"],
            row["cached"],
        ]
        for row in rows
    ]
    print_table(headers, shown)


def _row(entry: Any, cached: str) -> dict[str, Any]:
    card = entry.card
    return {
        "name": card.name,
        "organelles": card.organelles,
        "modality": card.input.modality,
        "size": card.size,
        "status": card.status,
        "cached": cached,
        "description": card.description,
        "source": entry.source,
    }


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


@zoo_app.command("info")
def info_command(
    name: Annotated[str, typer.Argument(help="A model name (i2i zoo list).")],
    as_json: JsonOption = False,
) -> None:
    """Show a model's card, where the card comes from and whether its files are cached.

    Example: i2i zoo info lmc-mito
    """
    import yaml

    from i2i.zoo import cache_state, get_entry

    entry = get_entry(name)
    card = entry.card.model_dump(mode="json")
    if as_json:
        print_json({**card, "card_source": entry.source, "cached": cache_state(entry)})
        return
    typer.echo(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), nl=False)
    typer.echo(f"# card from: {entry.source}")
    typer.echo(f"# cached: {cache_state(entry)}")


@zoo_app.command("download")
def download_command(
    names: Annotated[list[str], typer.Argument(help="Model names (i2i zoo list).")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Download models into the cache, verified by sha256 (already cached files are re-hashed).

    Example: i2i zoo download lmc-mito lmc-nucleus
    """
    from i2i.errors import I2IError
    from i2i.zoo import download_model

    failed = []
    for name in names:
        try:
            path = download_model(name, progress=not quiet)
        except I2IError as exc:
            typer.echo(f"Error: {exc}", err=True)
            failed.append(name)
            continue
        typer.echo(f"{name}: {path}")
    if failed:
        raise typer.Exit(1)


@zoo_app.command("verify")
def verify_command(as_json: JsonOption = False) -> None:
    """Re-hash every cached model file against its card; exit 1 when one is corrupt.

    Example: I2I_CACHE_DIR=/scratch/i2i i2i zoo verify
    """
    from i2i.zoo import verify_cache

    results = verify_cache()
    if as_json:
        print_json([{**r.__dict__, "path": str(r.path)} for r in results])
    elif not results:
        typer.echo("The zoo cache holds no model files.")
    for result in results if not as_json else []:
        detail = f" ({result.detail})" if result.detail else ""
        typer.echo(f"{result.status:8} {result.model}/{result.file}{detail}")
    if any(r.status == "corrupt" for r in results):
        raise typer.Exit(1)


@zoo_app.command("export")
def export_command(
    run_or_weights: Annotated[
        Path,
        typer.Argument(
            help="A run folder (runs/<recipe>/<time>/), a .safetensors file or a zoo model name."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Zoo name of the model (lab-mito).")],
    out_dir: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into.")],
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            help="i2i (weights + zoo card), or a plugin's format: bioimageio, onnx, torchscript "
            "(an unknown name lists them).",
        ),
    ] = "i2i",
    licence: Annotated[
        str, typer.Option("--licence", help="SPDX licence of the weights.")
    ] = "NOASSERTION",
    citation: Annotated[str, typer.Option("--citation", help="What users should cite.")] = "",
    modality: Annotated[
        list[str] | None,
        typer.Option(
            "--modality", help="Input modality (repeatable): bright-field, phase-contrast."
        ),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="One sentence about the model.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where the weights will be published (URL of a folder)."),
    ] = None,
    authors: Annotated[
        list[str] | None,
        typer.Option("--author", help="An author of the model (repeatable; bioimageio needs one)."),
    ] = None,
    test_image: Annotated[
        Path | None,
        typer.Option(
            "--test-image",
            help="A real image for the package's test data and cover (default: the run's "
            "first validation field).",
        ),
    ] = None,
    weight_formats: Annotated[
        list[str] | None,
        typer.Option(
            "--weight-format",
            help="Weight format a bioimageio package carries (repeatable: torchscript, onnx, "
            "pytorch_state_dict, i2i); default: every one that works for the model.",
        ),
    ] = None,
    no_zip: Annotated[
        bool, typer.Option("--no-zip", help="Write a package as a folder, not a zip file.")
    ] = False,
) -> None:
    """Write a model for publishing: i2i weights and a zoo card, or another format.

    --format i2i (default) writes the weights and a card (sha256, size, the run's validation
    metrics); the card's file URL is relative to the card unless --base-url is given, so the
    folder can be published as it is and used through I2I_ZOO_MANIFEST=<folder>/<name>.yaml.
    --format bioimageio writes a bioimage.io model package (zip), onnx and torchscript the
    traced model alone.

    Example: i2i zoo export runs/lmc_mito/20261124-101500 --name lab-mito -o published/
    """
    from i2i.zoo.export import export_request_for
    from i2i.zoo.formats import export_as

    request = export_request_for(
        run_or_weights,
        name,
        out_dir,
        licence=licence,
        citation=citation,
        description=description,
        modality=modality,
        base_url=base_url,
        authors=authors,
        test_image=test_image,
        weight_formats=weight_formats,
        zip=not no_zip,
    )
    written = export_as(format_name, request)
    typer.echo("wrote " + " and ".join(str(path) for path in written))
