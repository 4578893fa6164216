"""Options and the batch runner shared by prediction commands.

``i2i predict`` uses them, and so do plugins' prediction commands (the datasets plugin's
``i2i predict-lmc``), so that every prediction command spells its options and reports its
progress the same way.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from i2i.device import AUTO
from i2i.errors import I2IError

if TYPE_CHECKING:
    import torch

    from i2i.image import Writer
    from i2i.prediction.batch import BatchResult, Job
    from i2i.prediction.predictor import Predictor


class PredictUsageError(I2IError):
    """The arguments of a prediction command do not fit together."""


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


def predictor_options(**options: Any) -> dict[str, Any]:
    """The options given on the command line; those left out come from the model's recipe."""
    given = {key: value for key, value in options.items() if value is not None}
    given["show_progress"] = sys.stderr.isatty()
    return given


def run_prediction_jobs(
    jobs: list[Job],
    models: dict[str, str],
    device: str,
    options: dict[str, Any],
    writer: Writer | str | None = None,
) -> None:
    """Predict ``jobs`` (split between processes), one predictor per key of ``models``.

    ``device`` ``auto`` is each process's own device under ``accelerate launch``/``torchrun``
    (the CPU without GPUs); any other value is resolved by :func:`i2i.device.resolve_device`
    before a model loads, so a wrong name fails at once.
    """
    from i2i.device import resolve_device
    from i2i.prediction import load_predictor
    from i2i.prediction.batch import run_jobs

    chosen = None if device == AUTO else resolve_device(device)

    def make_predictor(key: str, process_device: torch.device) -> Predictor:
        return load_predictor(models[key], device=chosen or process_device, **options)

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
