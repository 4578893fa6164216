"""``i2i predict`` and ``i2i predict-lmc``: apply a model to whole images of any size."""

from __future__ import annotations

import glob
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from i2i.cli.app import app
from i2i.errors import I2IError

if TYPE_CHECKING:
    from i2i.predict.batch import BatchResult, Job


class PredictUsageError(I2IError):
    """The arguments of ``i2i predict`` do not fit together."""


FROM_RECIPE = "Default: the model recipe's predict section"
TileSize = Annotated[
    int | None,
    typer.Option("--tile-size", help=f"Tile side in pixels. {FROM_RECIPE} (else 256)."),
]
Overlap = Annotated[
    float | None,
    typer.Option(
        "--overlap", help=f"Overlap of neighbouring tiles, fraction of a tile. {FROM_RECIPE}."
    ),
]
BatchSize = Annotated[
    int | None, typer.Option("--batch-size", help=f"Tiles per forward pass. {FROM_RECIPE}.")
]
Device = Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:1 ...")]
Bf16 = Annotated[bool, typer.Option("--bf16", help="bfloat16 autocast (GPUs; CPUs with bf16).")]
Compile = Annotated[bool, typer.Option("--compile", help="torch.compile the model.")]
ChannelsLast = Annotated[bool, typer.Option("--channels-last", help="channels_last memory format.")]
Tta = Annotated[
    bool, typer.Option("--tta", help="Average over the 8 flips/rotations of each tile (8x time).")
]
PixelSize = Annotated[
    float | None,
    typer.Option(
        "--pixel-size", help="Input pixel size in µm, when the file lacks or misstates it."
    ),
]


def _predictor_options(**options: Any) -> dict[str, Any]:
    """The options given on the command line; those left out come from the model's recipe."""
    given = {key: value for key, value in options.items() if value is not None}
    given["show_progress"] = sys.stderr.isatty()
    return given


@app.command("predict")
def predict_command(
    inputs: Annotated[
        list[str], typer.Argument(help="Images, folders of images, or quoted glob patterns.")
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Weights (.safetensors), run folder or name.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.ome.zarr, .ome.tif) or folder.")
    ],
    tile_size: TileSize = None,
    overlap: Overlap = None,
    batch_size: BatchSize = None,
    device: Device = "auto",
    bf16: Bf16 = False,
    compile: Compile = False,
    channels_last: ChannelsLast = False,
    tta: Tta = False,
    pixel_size: PixelSize = None,
    float32: Annotated[
        bool, typer.Option("--float32", help="Write float32 instead of the input's pixel type.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="Suffix of outputs written into a folder.")
    ] = ".ome.zarr",
) -> None:
    """Predict images of any size with a model, tile by tile, streamed to disk.

    With one input, an output name with a suffix (.ome.zarr, .ome.tif) is the output file;
    otherwise OUT is a folder that receives <input name><--format> per input. Outputs that exist are
    skipped, so a re-run resumes an interrupted batch. Launched with `accelerate launch` or
    `torchrun`, the inputs are split between the processes.

    Examples:

      i2i predict --model lmc_mito.safetensors field.ome.tif -o field_mito.ome.zarr

      i2i predict -m runs/lmc_mito/20261124-101500 plate/ -o predictions/ --device cuda --bf16
    """
    from i2i.predict.batch import Job, folder_jobs

    paths = _expand_inputs(inputs)
    if len(paths) == 1 and _is_file_name(out):
        jobs = [Job(paths[0], out)]
    else:
        if out.exists() and not out.is_dir():
            raise PredictUsageError(
                f"{out} is a file but {len(paths)} inputs need an output folder. Give -o FOLDER, "
                "or one input with -o FILE.ome.zarr."
            )
        suffix = output_format if output_format.startswith(".") else f".{output_format}"
        jobs = folder_jobs(paths, out, suffix)
    options = _predictor_options(
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        bf16=bf16,
        compile=compile,
        channels_last=channels_last,
        tta=tta,
        pixel_size=pixel_size,
        output_dtype="float32" if float32 else "input",
    )
    _run(jobs, {"model": model}, device, options)


@app.command("predict-lmc")
def predict_lmc_command(
    input_dir: Annotated[
        Path, typer.Option("--input-dir", help="Folder of transmitted-light .tiff images.")
    ],
    output_dir: Annotated[Path, typer.Option("--output-dir", help="Output folder.")],
    model_nucleus: Annotated[str | None, typer.Option(help="Model predicting nuclei.")] = None,
    model_mitochondria: Annotated[
        str | None, typer.Option(help="Model predicting mitochondria.")
    ] = None,
    model_tubulin: Annotated[str | None, typer.Option(help="Model predicting tubulin.")] = None,
    model_actin: Annotated[str | None, typer.Option(help="Model predicting actin.")] = None,
    tile_size: TileSize = None,
    overlap: Overlap = None,
    batch_size: BatchSize = None,
    device: Device = "auto",
    bf16: Bf16 = False,
    tta: Tta = False,
    pixel_size: PixelSize = None,
) -> None:
    """Light My Cells container contract: IN/*.tiff -> OUT/<organelle>-fluorescence-ome-tiff/.

    Writes float32 OME-TIFFs with the input's geometry and pixel sizes, one model per organelle
    (give at least one). Existing outputs are skipped.

    Example:

      i2i predict-lmc --input-dir /input --output-dir /output --model-nucleus nuc.safetensors
    """
    from i2i.plugins import get_registries
    from i2i.predict.lmc import lmc_jobs

    models = {
        name: value
        for name, value in {
            "nucleus": model_nucleus,
            "mitochondria": model_mitochondria,
            "tubulin": model_tubulin,
            "actin": model_actin,
        }.items()
        if value is not None
    }
    if not models:
        raise PredictUsageError(
            "predict-lmc needs at least one model: --model-nucleus, --model-mitochondria, "
            "--model-tubulin or --model-actin."
        )
    jobs = lmc_jobs(input_dir, output_dir, list(models))
    options = _predictor_options(
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        bf16=bf16,
        tta=tta,
        pixel_size=pixel_size,
        output_dtype="float32",
    )
    writer = get_registries().writers.create({"name": "ome_tiff"})
    _run(jobs, models, device, options, writer=writer)


def _run(
    jobs: list[Job],
    models: dict[str, str],
    device: str,
    options: dict[str, Any],
    writer: object | None = None,
) -> None:
    from i2i.predict import load_predictor
    from i2i.predict.batch import run_jobs

    def make_predictor(key: str, process_device: Any) -> Any:
        chosen = process_device if device == "auto" else device
        return load_predictor(models[key], device=chosen, **options)

    def report(job: Job, skipped: bool) -> None:
        state = "exists, skipped" if skipped else "written"
        typer.echo(f"{job.output} ({state})", err=True)

    with _warnings_as_messages():
        result = run_jobs(jobs, make_predictor, device=device, writer=writer, on_done=report)
    _summary(result)


def _summary(result: BatchResult) -> None:
    typer.echo(
        f"{len(result.predicted)} prediction(s) written, {len(result.skipped)} skipped "
        "(already complete).",
        err=True,
    )


@contextmanager
def _warnings_as_messages() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *args, **kwargs: typer.echo(
            f"Warning: {message}", err=True
        )
        yield


def _is_file_name(path: Path) -> bool:
    """An output with a suffix (``x.ome.tif``, ``x.ome.zarr``) that is not an existing folder."""
    return bool(path.suffix) and (not path.is_dir() or path.suffix.lower() == ".zarr")


def _readable_entries(folder: Path) -> list[Path]:
    """The entries of ``folder`` that an installed reader reads, sorted (notes are skipped)."""
    from i2i.plugins import get_registries

    readers = [component.build() for component in get_registries().readers]
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return [p for p in entries if any(reader.can_read(p) for reader in readers)]


def _expand_inputs(inputs: list[str]) -> list[Path]:
    """Files and folders as given, readable folder entries sorted, glob patterns expanded."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir() and not path.name.lower().endswith(".zarr"):
            paths += _readable_entries(path)
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
