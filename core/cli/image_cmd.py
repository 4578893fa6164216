"""``i2i info`` and ``i2i convert``: inspect images and convert them to OME-Zarr or OME-TIFF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app, print_json, warnings_as_messages
from i2i.cli.containers import open_container, refuse_options


@app.command("info")
def info_command(
    files: Annotated[
        list[Path], typer.Argument(help="Image files, OME-Zarr folders or containers (plates).")
    ],
    reader: Annotated[
        str | None, typer.Option("--reader", help="Use this reader instead of choosing one.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (a list, one per file).")
    ] = False,
) -> None:
    """Show dims, shape, dtype, channel names, pixel sizes and the reader of each image.

    A path that a plugin opens as a container of images (an HCS OME-Zarr plate) is summarised
    by that plugin (for a plate: rows, columns, wells, fields, channels).

    Example: i2i info cells.ome.tif field.ome.zarr --json
    """
    from i2i.io import open_image

    described, texts = [], []
    for path in files:
        container = open_container(path)
        if container is not None:
            given = {"--reader": reader is not None}
            refuse_options(container, given, "image files (it chooses their reader)")
            described.append(container.describe())
            texts.append(container.summary())
            continue
        with open_image(path, reader) as image:
            described.append(image.describe())
        texts.append(_format_description(described[-1]))
    if as_json:
        print_json(described)
        return
    for text in texts:
        typer.echo(text)


def _format_description(entry: dict[str, Any]) -> str:
    sizes = entry["pixel_sizes_um"]
    pixel = ", ".join(
        f"{axis} {value:g} µm" if value is not None else f"{axis} unknown"
        for axis, value in sizes.items()
    )
    rows = [
        ("reader", entry["reader"]),
        ("dims", entry["dims"]),
        ("shape", " × ".join(str(n) for n in entry["shape"])),
        ("dtype", entry["dtype"]),
        ("channels", ", ".join(entry["channel_names"])),
        ("pixel size", pixel),
    ]
    if entry.get("time_increment_s") is not None:
        rows.append(("time step", f"{entry['time_increment_s']:g} s"))
    return "\n".join([entry["path"], *(f"  {key:<12}{value}" for key, value in rows)])


@app.command("convert")
def convert_command(
    source: Annotated[Path, typer.Argument(help="Any readable image (OME-TIFF, TIFF, PNG...).")],
    destination: Annotated[
        Path, typer.Argument(help="Output: name.ome.zarr (OME-Zarr) or name.ome.tif (OME-TIFF).")
    ],
    chunk: Annotated[
        int | None,
        typer.Option("--chunk", min=1, help="Y/X chunk (OME-Zarr) or tile (OME-TIFF) edge."),
    ] = None,
    pyramid: Annotated[
        int | None,
        typer.Option("--pyramid", min=0, help="Extra half-size levels (OME-Zarr only)."),
    ] = None,
    zarr_format: Annotated[
        int | None,
        typer.Option("--zarr-format", min=2, max=3, help="2 (NGFF 0.4) or 3 (NGFF 0.5)."),
    ] = None,
    compression: Annotated[
        str | None, typer.Option("--compression", help="e.g. zstd, lz4, zlib or none.")
    ] = None,
    reader: Annotated[str | None, typer.Option("--reader", help="Force this reader.")] = None,
    writer: Annotated[
        str | None, typer.Option("--writer", help="Force this writer (default: by suffix).")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace DESTINATION even if it is not an earlier image output."
        ),
    ] = False,
) -> None:
    """Convert an image to OME-Zarr or OME-TIFF, chunked, keeping channel names and pixel sizes.

    The image is copied band by band, so it need not fit in memory; the output appears under
    its final name only when complete. An existing DESTINATION is replaced only when it is an
    earlier image output (or empty); anything else (a folder of other files) needs --overwrite.

    Example: i2i convert cells.ome.tif cells.ome.zarr --chunk 256 --pyramid 2
    """
    from i2i.io import convert_image, open_image

    given = {
        "chunk": chunk,
        "pyramid": pyramid,
        "zarr_format": zarr_format,
        "compression": compression,
    }
    params: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    with warnings_as_messages(), open_image(source, reader) as image:
        convert_image(image, destination, writer=writer, overwrite=overwrite, **params)
        typer.echo(f"{source} -> {destination} ({' × '.join(map(str, image.shape))} TCZYX)")


@app.command("stack")
def stack_command(
    sources: Annotated[
        list[Path], typer.Argument(help="Single-plane images (z-planes are ordered by name).")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="name.ome.zarr or name.ome.tif.")],
    axis: Annotated[str, typer.Option("--axis", help="z: planes of a z-stack; c: channels.")] = "z",
    names: Annotated[
        list[str] | None,
        typer.Option("--names", help="Channel name(s), comma-separated or repeated."),
    ] = None,
    pixel_size: Annotated[
        float | None, typer.Option("--pixel-size", help="Pixel size in µm (Y and X).")
    ] = None,
    keep_order: Annotated[
        bool,
        typer.Option(
            "--keep-order", help="Stack z-planes in the order given, not by the z in their names."
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace whatever is at --out (else only an earlier image output)."
        ),
    ] = False,
) -> None:
    """Stack single-plane files (one per z-plane or channel) into one OME image.

    Z-planes are stacked by the z index in their names (z_depth-7, _z07, z=7), else in natural
    name order, so a shell glob's lexical order (0, 1, 10, 11, 2 ...) does not scramble the
    stack; the order used is printed. Channels (--axis c) keep the order given.

    Example: i2i stack data/isl/*PHASE_CONTRAST*.png -o phase.ome.tif
    """
    import warnings

    from i2i.image_stack import PlaneOrderWarning, plane_order, stack_images

    if axis == "z" and len(sources) > 1:
        order = plane_order(sources, keep_order=keep_order)
        if (message := order.warning()) is not None:
            typer.echo(f"Warning: {message}", err=True)
        typer.echo(order.describe())
        sources = order.planes
    given = [name.strip() for value in names or [] for name in value.split(",")]
    channel_names = [name for name in given if name] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlaneOrderWarning)  # said above, once
        path = stack_images(
            sources,
            out,
            axis=axis,
            channel_names=channel_names,
            pixel_size_um=pixel_size,
            keep_order=True,
            overwrite=overwrite,
        )
    typer.echo(f"Wrote {len(sources)} planes along {axis.upper()} to {path}.")
