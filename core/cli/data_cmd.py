"""``i2i data fetch|summary``; plugins add more ``i2i data`` commands (see docs/cli.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app, print_json

data_app = typer.Typer(
    help="Datasets: sample data downloads, dataset summaries and the commands plugins add.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")


@data_app.command("fetch")
def fetch_command(
    name: Annotated[str | None, typer.Argument(help="Sample data name (see --list).")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder (default: the i2i cache).")
    ] = None,
    list_only: Annotated[bool, typer.Option("--list", help="List the sample data.")] = False,
) -> None:
    """Download public sample data, verified by sha256, into the cache or a folder.

    Example: i2i data fetch isl_condition_b -o isl
    """
    from i2i.data.samples import SAMPLES, fetch_sample, sample_set

    if list_only or name is None:
        for sample in SAMPLES.values():
            typer.echo(f"{sample.name}  ({len(sample.files)} files, {sample.licence})")
            typer.echo(f"    {sample.description}")
        return
    folder = fetch_sample(name, output)
    typer.echo(f"{name}: {len(sample_set(name).files)} files verified in {folder}")


@data_app.command("summary")
def summary_command(
    source: Annotated[str, typer.Argument(help="A recipe (file or bundled name) or a folder.")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            help="Recipe overrides key.path=value, e.g. data.dataset.root=lmc_demo.",
            show_default=False,
        ),
    ] = None,
    layout: Annotated[
        str | None, typer.Option("--layout", help="Dataset layout of a folder (default: guess).")
    ] = None,
    split: Annotated[Path | None, typer.Option(help="A split file to count.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count fields and images per modality and organelle, organelle combinations, splits.

    Examples:

      i2i data summary lmc_demo --layout lmc

      i2i data summary lmc_mito data.dataset.root=lmc_demo
    """
    from i2i.data.build import build_layout, detect_layout, resolve_split
    from i2i.data.errors import DataError
    from i2i.data.splits import read_split
    from i2i.data.summary import summarize

    split_options: Any = None
    mix: list[Any] = []
    if Path(source).is_dir():
        if overrides:
            raise DataError(
                f"{source} is a folder: overrides apply to a recipe ({' '.join(overrides)}). "
                "Summarise the recipe (i2i data summary RECIPE key=value) or give --layout."
            )
        chosen = (
            build_layout({"name": layout_name(layout), "root": source})
            if layout
            else detect_layout(Path(source))
        )
    else:
        from i2i.recipe import load_recipe

        data = load_recipe(source, overrides or []).data
        if data is None:
            raise typer.BadParameter(f"recipe {source!r} has no data section.")
        chosen, split_options, mix = build_layout(data.dataset, data.reader), data.split, data.mix
    records = chosen.index()
    splits = read_split(split) if split else None
    if splits is None and split_options is not None:
        splits = resolve_split(records, split_options, None)
    summary = {"layout": chosen.name, "root": str(chosen.root), **summarize(records, splits)}
    if mix:
        summary["mix"] = [_mixed_source_summary(source) for source in mix]
    if as_json:
        print_json(summary)
        return
    _print_summary(summary)
    for number, mixed in enumerate(summary.get("mix", [])):
        mapping = ", ".join(f"{a} -> {b}" for a, b in (mixed["targets"] or {}).items())
        typer.echo(
            f"\ndata.mix.{number}: {mixed['fraction']:.0%} of the training samples"
            + (f" (targets {mapping})" if mapping else "")
            + ", drawn from its training split"
        )
        _print_summary(mixed)


def layout_name(given: str) -> str:
    """The registered layout ``given`` names: its name, or the first words of exactly one.

    Names are snake_case, so ``jump`` names ``jump_cellpaint``. A name that fits none (or
    several) is returned as given, for the registry's error listing the layouts.
    """
    from i2i.plugins import get_registries

    names = get_registries().datasets.names()
    if given in names:
        return given
    starting = [name for name in names if name.startswith(f"{given}_")]
    return starting[0] if len(starting) == 1 else given


def _mixed_source_summary(source: Any) -> dict[str, Any]:
    """The summary of one ``data.mix`` dataset, with its share and target mapping."""
    from i2i.data.build import build_layout, resolve_split
    from i2i.data.summary import summarize

    layout = build_layout(source.dataset)
    records = layout.index()
    return {
        "layout": layout.name,
        "root": str(layout.root),
        "fraction": source.fraction,
        "targets": source.targets,
        **summarize(records, resolve_split(records, source.split, None)),
    }


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{summary['layout']}[/] dataset at {summary['root']}: {summary['fields']} "
        f"fields, {summary['input_planes']} input planes"
    )
    organelles = list(summary["target_images_per_organelle"])
    table = Table("modality", "fields", "input planes", *organelles, title="Images")
    per = summary["target_images_per_modality_and_organelle"]
    for modality, fields in summary["fields_per_modality"].items():
        counts = [str(per.get(modality, {}).get(o, 0)) for o in organelles]
        planes = summary["input_planes_per_modality"][modality]
        table.add_row(modality, str(fields), str(planes), *counts)
    console.print(table)
    for key, title in (
        ("fields_per_organelle_combination", "organelle combination"),
        ("fields_per_pixel_size_um", "pixel size (µm)"),
        ("split_fields", "split"),
    ):
        if key in summary:
            rows = Table(title, "fields")
            for value, count in summary[key].items():
                rows.add_row(value, str(count))
            console.print(rows)
