"""``i2i plate info|convert|predict``: the plates plugin's commands.

Added through the ``i2i_add_cli_commands`` hook as the group ``i2i plate``. Importing this
module imports typer only; each command imports what it needs when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from i2i.cli.prediction import (
    BatchSize,
    Bf16,
    Device,
    Overlap,
    PixelSize,
    TileSize,
    Tta,
)

plate_app = typer.Typer(help="HCS OME-Zarr plates: inspect, convert, predict, evaluate.")

ZarrFormat = Annotated[
    int | None,
    typer.Option("--zarr-format", min=2, max=3, help="2 (NGFF 0.4) or 3 (NGFF 0.5)."),
]


@plate_app.command("info")
def info_command(
    plates: Annotated[list[Path], typer.Argument(help="HCS OME-Zarr plate folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one per plate).")] = False,
) -> None:
    """Show rows, columns, wells, fields (written / listed), channels and pixel sizes.

    A field is an image of its own: i2i info plate.zarr/B/03/0 describes it.

    Example: i2i plate info screen.ome.zarr
    """
    from i2i.cli.app import print_json
    from i2i_plugins.hcs_plates.container import PlateContainer
    from i2i_plugins.hcs_plates.metadata import read_plate

    opened = [PlateContainer(read_plate(path)) for path in plates]
    if as_json:
        print_json([plate.describe() for plate in opened])
        return
    for plate in opened:
        typer.echo(plate.summary())


@plate_app.command("convert")
def convert_command(
    source: Annotated[Path, typer.Argument(help="A dataset folder (JUMP cpg0000 or LMC).")],
    destination: Annotated[Path, typer.Argument(help="The plate to write (name.ome.zarr).")],
    layout: Annotated[
        str, typer.Option("--layout", help="jump (r01c01f01p01-ch1...tiff) or lmc.")
    ] = "jump",
    zarr_format: ZarrFormat = 3,
    pixel_size: PixelSize = None,
) -> None:
    """Write a folder of per-site TIFFs as one HCS OME-Zarr plate, channels named.

    JUMP: well r02c03 becomes B/03, site f01 field 0, ch1..ch8 the channels Mito, AGP, RNA,
    ER, DNA, BF_over, BF_under, BF_focus. LMC: study N becomes row N, each image a well.

    Example: i2i plate convert BR00116991__2020-11-05T19_51_35-Measurement1 BR00116991.ome.zarr
    """
    from i2i_plugins.hcs_plates.conversion import convert_to_plate

    written = convert_to_plate(
        source, destination, layout, zarr_format=zarr_format or 3, pixel_size_um=pixel_size
    )
    typer.echo(f"Wrote {written} field(s) to the plate {destination}.")


@plate_app.command("evaluate")
def evaluate_command(
    pred: Annotated[Path, typer.Option("--pred", help="The predicted plate.")],
    target: Annotated[Path, typer.Option("--target", help="The plate with the real channels.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")],
    metrics: Annotated[
        str | None, typer.Option("--metrics", help="Comma-separated metrics (default: all).")
    ] = None,
    map_metric: Annotated[
        str, typer.Option("--map-metric", help="Metric of the plate-map heat map.")
    ] = "pcc",
    device: Device = "auto",
) -> None:
    """Score every predicted field against the same field of the target plate (i2i evaluate
    --pred PLATE --target PLATE does the same, with the default --map-metric).

    Fields are paired by address and channels by name. Writes per_image.csv (one row per
    field and channel), per_well.csv, per_plate.csv, the summaries, a plate-map heat map per
    channel (wells coloured by their mean --map-metric) and report.md.

    Example: i2i plate evaluate --pred screen_dna.ome.zarr --target screen.ome.zarr -o eval/
    """
    from i2i_plugins.hcs_plates.evaluation import evaluate_plate

    names = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
    _, report = evaluate_plate(
        pred, target, out, metrics=names, map_metric=map_metric, device=device
    )
    typer.echo(f"Report: {report}")


@plate_app.command("predict")
def predict_command(
    plate: Annotated[Path, typer.Argument(help="The input plate (HCS OME-Zarr).")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Weights (.safetensors), run folder or name.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The output plate (name.ome.zarr).")
    ] = None,
    into: Annotated[
        bool,
        typer.Option("--into", help="Write each field's prediction into the plate, beside it."),
    ] = False,
    shard: Annotated[
        str, typer.Option("--shard", help="I/N: predict only slice I (0-based) of N jobs.")
    ] = "0/1",
    tile_size: TileSize = None,
    overlap: Overlap = None,
    batch_size: BatchSize = None,
    device: Device = "auto",
    bf16: Bf16 = False,
    tta: Tta = False,
    pixel_size: PixelSize = None,
    zarr_format: ZarrFormat = None,
) -> None:
    """Predict every field of a plate into an output plate (the same as i2i predict PLATE).

    Each field is written atomically; fields already written are skipped, so running the
    same command again resumes an interrupted plate. Under accelerate launch or torchrun the
    fields are split between the processes; --shard I/N gives job I of a job array its slice.
    With --into instead of -o, each field's prediction is written inside the input plate as
    <field>/predictions/<channels>, and nothing that exists is changed. i2i predict takes a
    plate with the same options and more (--writer-option, --compile ...).

    Examples:

      i2i plate predict screen.ome.zarr -m lmc-mito -o screen_mito.ome.zarr

      i2i plate predict in.ome.zarr -m w.safetensors -o out.ome.zarr --shard $SLURM_ARRAY_TASK_ID/8

      i2i plate predict in.ome.zarr -m w.safetensors --into
    """
    from i2i.cli.predict_cmd import predict_command as predict_inputs
    from i2i.shards import Shard
    from i2i_plugins.hcs_plates.metadata import read_plate

    Shard.parse(shard)  # a bad option is refused before anything is read
    read_plate(plate)  # anything but a plate is this command's error, naming the path
    predict_inputs(
        [str(plate)],
        model,
        out=out,
        into=into,
        shard=shard,
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        device=device,
        bf16=bf16,
        tta=tta,
        pixel_size=pixel_size,
        zarr_format=zarr_format,
    )
