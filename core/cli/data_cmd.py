"""``i2i data demo|fetch|summary``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app, print_json

data_app = typer.Typer(
    help="Demo datasets, sample data downloads and dataset summaries.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

LAYOUT_ALIASES = {"jump": "jump_cellpaint"}


@data_app.command("demo")
def demo_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    layout: Annotated[str, typer.Option("--layout", help="lmc or jump.")] = "lmc",
    size: Annotated[int | None, typer.Option(help="Image side (default 64 lmc, 128 jump).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write a small synthetic dataset in the exact Light My Cells or JUMP layout.

    Example: i2i data demo lmc_demo --layout lmc
    """
    from i2i.data.demo import write_jump_demo, write_lmc_demo
    from i2i.data.errors import DataError

    writers = {"lmc": write_lmc_demo, "jump": write_jump_demo}
    if layout not in writers:
        raise DataError(f"--layout {layout!r} is not a demo layout; use 'lmc' or 'jump'.")
    options: dict[str, Any] = {"seed": seed} if size is None else {"seed": seed, "size": size}
    files = writers[layout](folder, **options)
    name = LAYOUT_ALIASES.get(layout, layout)
    typer.echo(f"Wrote {len(files)} files of a {name} demo dataset to {folder}.")


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
    sample_set(name)
    folder = fetch_sample(name, output)
    typer.echo(f"{name}: {len(sample_set(name).files)} files verified in {folder}")


@data_app.command("summary")
def summary_command(
    source: Annotated[str, typer.Argument(help="A recipe (file or bundled name) or a folder.")],
    layout: Annotated[
        str | None, typer.Option("--layout", help="Dataset layout of a folder (default: guess).")
    ] = None,
    split: Annotated[Path | None, typer.Option(help="A split file to count.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count fields and images per modality and organelle, organelle combinations, splits.

    Example: i2i data summary lmc_demo --layout lmc
    """
    from i2i.data.loaders import build_layout, detect_layout, resolve_split
    from i2i.data.splits import read_split
    from i2i.data.summary import summarize

    split_options: Any = None
    mix: list[Any] = []
    if Path(source).is_dir():
        name = LAYOUT_ALIASES.get(layout, layout) if layout else None
        chosen = (
            build_layout({"name": name, "root": source}) if name else detect_layout(Path(source))
        )
    else:
        from i2i.recipe import load_recipe

        data = load_recipe(source).data
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


def _mixed_source_summary(source: Any) -> dict[str, Any]:
    """The summary of one ``data.mix`` dataset, with its share and target mapping."""
    from i2i.data.loaders import build_layout, resolve_split
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
