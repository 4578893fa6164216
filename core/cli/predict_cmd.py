"""``i2i predict``: apply a model to whole images of any size."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Annotated

import typer
import yaml

from i2i.cli.app import app
from i2i.cli.containers import open_container, predict_container, refuse_options
from i2i.cli.prediction import (
    BatchSize,
    Bf16,
    ChannelsLast,
    Compile,
    Device,
    Overlap,
    Overwrite,
    PixelSize,
    PredictUsageError,
    StrictDomain,
    TileSize,
    Tta,
    Uncertainty,
    predictor_options,
    run_prediction_jobs,
)
from i2i.containers import ContainerPrediction, ImageContainer
from i2i.image import ImageError, Reader
from i2i.shards import Shard


@app.command("predict")
def predict_command(
    inputs: Annotated[
        list[str], typer.Argument(help="Images, folders of images, or quoted glob patterns.")
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Weights (.safetensors), run folder or name.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (.ome.zarr, .ome.tif), folder or container."),
    ] = None,
    into: Annotated[
        bool,
        typer.Option(
            "--into",
            help="Write the predictions into the input container itself (instead of -o), "
            "leaving what it holds untouched; only inputs a plugin opens as containers.",
        ),
    ] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard", help="I/N: predict only slice I (0-based) of N jobs of a job array."
        ),
    ] = None,
    tile_size: TileSize = None,
    overlap: Overlap = None,
    batch_size: BatchSize = None,
    device: Device = "auto",
    bf16: Bf16 = False,
    compile: Compile = False,
    channels_last: ChannelsLast = False,
    tta: Tta = False,
    uncertainty: Uncertainty = False,
    strict_domain: StrictDomain = False,
    pixel_size: PixelSize = None,
    float32: Annotated[
        bool, typer.Option("--float32", help="Write float32 instead of the input's pixel type.")
    ] = False,
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="Suffix of outputs written into a folder (.ome.zarr)."),
    ] = None,
    writer: Annotated[
        str | None,
        typer.Option("--writer", help="Writer name. Default: the recipe's, else by suffix."),
    ] = None,
    zarr_format: Annotated[
        int | None,
        typer.Option("--zarr-format", min=2, max=3, help="OME-Zarr: 2 (NGFF 0.4) or 3 (NGFF 0.5)."),
    ] = None,
    writer_options: Annotated[
        list[str] | None,
        typer.Option(
            "--writer-option",
            help="KEY=VALUE parameter of the writer (repeatable), e.g. chunk=256, pyramid=2, "
            "compression=zstd; see 'i2i plugins' for each writer's parameters.",
        ),
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Predict images of any size with a model, tile by tile, streamed to disk.

    With one input, an output name with a suffix (.ome.zarr, .ome.tif) is the output file;
    otherwise OUT is a folder that receives <input name><--format> per input. Outputs that exist
    and are complete are skipped, so a re-run resumes an interrupted batch; incomplete ones are
    predicted again. Only earlier image outputs are ever replaced (else give --overwrite).
    Each input is compared with the model's training data (pixel size, z-planes, channel
    names, intensities after normalisation) and a difference is a warning naming the file
    (an error with --strict-domain).
    Launched with `accelerate launch` or `torchrun`, the inputs are split between the processes;
    --shard I/N gives job I of a cluster job array its contiguous slice of the inputs.
    An input that a plugin opens as a container (an HCS OME-Zarr plate) is predicted by that
    plugin into the output container (or, with --into, into itself), image by image.

    Examples:

      i2i predict --model lmc_mito.safetensors field.ome.tif -o field_mito.ome.zarr

      i2i predict -m runs/lmc_mito/20261124-101500 plate/ -o predictions/ --device cuda --bf16

      i2i predict -m lmc_mito.safetensors field.ome.tif -o field.ome.zarr --zarr-format 3

      i2i predict -m w.safetensors plate.ome.zarr -o predicted.ome.zarr --shard 0/4
    """
    from i2i.prediction.batch import Job, folder_jobs

    chosen = Shard.parse(shard) if shard is not None else Shard()
    if (out is None) == (not into):
        raise PredictUsageError(
            "Give the output with -o OUT, or --into to write into an input container; "
            f"{'both were' if into else 'neither was'} given."
        )
    options = predictor_options(
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        bf16=bf16,
        compile=compile,
        channels_last=channels_last,
        tta=tta,
        uncertainty=uncertainty,
        strict_domain=strict_domain,
        pixel_size=pixel_size,
        output_dtype="float32" if float32 else "input",
    )
    container = _container_input(inputs)
    if container is not None:
        refuse_options(
            container,
            {"--format": output_format is not None, "--writer": writer is not None},
            "outputs written as image files",
        )
        request = ContainerPrediction(
            model=model,
            out=out,
            device=device,
            shard=chosen,
            zarr_format=zarr_format,
            writer_options=writer_option_values(writer_options or []),
            overwrite=overwrite,
            predictor_options=options,
        )
        predict_container(container, request)
        return
    if out is None:
        raise PredictUsageError(
            f"--into writes the predictions into an input container (a plugin's, such as an HCS "
            f"OME-Zarr plate), and {inputs[0]} is not one. Give -o OUT instead."
        )
    paths = _expand_inputs(inputs)
    if len(paths) == 1 and _is_file_name(out):
        jobs = [Job(paths[0], out)]
    else:
        if out.exists() and not out.is_dir():
            raise PredictUsageError(
                f"{out} is a file but {len(paths)} inputs need an output folder. Give -o FOLDER, "
                "or one input with -o FILE.ome.zarr."
            )
        suffix = output_format or ".ome.zarr"
        jobs = folder_jobs(paths, out, suffix if suffix.startswith(".") else f".{suffix}")
    spec = writer_spec(jobs[0].output, writer, zarr_format, writer_options or [])
    if spec is not None:
        options["writer"] = spec
    jobs = chosen.select(jobs)
    if not jobs:
        empty = f"Shard {chosen} of the {len(paths)} input(s) is empty: nothing to do."
        typer.echo(empty, err=True)
        return
    run_prediction_jobs(jobs, {"model": model}, device, options, overwrite=overwrite)


def _container_input(inputs: list[str]) -> ImageContainer | None:
    """The container among ``inputs`` (a plugin's, through ``i2i_open_container``), if any;
    a container must be the only input."""
    found = [(item, open_container(item)) for item in inputs]
    containers = [(item, c) for item, c in found if c is not None]
    if containers and len(inputs) > 1:
        item, container = containers[0]
        raise PredictUsageError(
            f"{item} is a container of images ({container.kind}), predicted on its own into an "
            "output container: give it as the only input (one command per container)."
        )
    return containers[0][1] if containers else None


def writer_option_values(options: list[str]) -> dict[str, object]:
    """``["chunk=256"]`` -> ``{"chunk": 256}`` (values read as YAML scalars)."""
    values: dict[str, object] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise PredictUsageError(
                f"--writer-option {option!r}: give KEY=VALUE, e.g. --writer-option chunk=256."
            )
        values[key.strip()] = yaml.safe_load(value) if value.strip() else value
    return values


def writer_spec(
    output: Path, name: str | None, zarr_format: int | None, options: list[str]
) -> dict[str, object] | None:
    """The writer options given, checked against the writer of ``output`` before a model loads.

    A spec without ``name`` updates the parameters of the writer the recipe or the suffix
    chooses (:func:`i2i.prediction.loading.merged_writer`).
    """
    from i2i.io import get_writer

    spec: dict[str, object] = {} if name is None else {"name": name}
    if zarr_format is not None:
        spec["zarr_format"] = zarr_format
    spec |= writer_option_values(options)
    if not spec:
        return None
    try:
        get_writer(output, spec)
    except ImageError as exc:
        raise PredictUsageError(f"--writer/--zarr-format/--writer-option: {exc}") from None
    return spec


def _is_file_name(path: Path) -> bool:
    """An output with a suffix (``x.ome.tif``, ``x.ome.zarr``) that is not an existing folder."""
    return bool(path.suffix) and (not path.is_dir() or path.suffix.lower() == ".zarr")


def _readers() -> list[Reader]:
    """The installed readers, built once per command."""
    from i2i.plugins import get_registries

    return [component.build() for component in get_registries().readers]


def _readable_entries(folder: Path, readers: list[Reader]) -> list[Path]:
    """The entries of ``folder`` that an installed reader reads, sorted (notes are skipped)."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return [p for p in entries if any(reader.can_read(p) for reader in readers)]


def _one_image(folder: Path, readers: list[Reader]) -> bool:
    """Whether ``folder`` is an image (an OME-Zarr) rather than a folder of images."""
    return folder.name.lower().endswith(".zarr") or any(r.can_read(folder) for r in readers)


def _expand_inputs(inputs: list[str]) -> list[Path]:
    """Files and folders as given, readable folder entries sorted, glob patterns expanded.

    A folder that a reader reads as one image (an OME-Zarr, also without a ``.zarr`` suffix,
    such as a plate field ``plate.zarr/B/03/0``) is one input, not a folder of inputs.
    """
    readers = _readers()
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir() and not _one_image(path, readers):
            paths += _readable_entries(path, readers)
        elif path.exists():
            paths.append(path)
        elif any(char in item for char in "*?["):
            matches = sorted(Path(p) for p in glob.glob(item))
            if not matches:
                raise PredictUsageError(f"The pattern {item!r} matches no file.")
            paths += matches
        else:
            raise PredictUsageError(f"{path}: no such file or folder. Check the input path.")
    if not paths:
        raise PredictUsageError(f"No input images found in {', '.join(inputs)}.")
    return paths
