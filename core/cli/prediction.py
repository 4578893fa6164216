"""Options and the batch runner shared by prediction commands.

``i2i predict`` uses them, and so do plugins' prediction commands (the datasets plugin's
``i2i predict-lmc``), so that every prediction command spells its options and reports its
progress the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from i2i.cli.app import warnings_as_messages
from i2i.device import AUTO
from i2i.errors import I2IError

if TYPE_CHECKING:
    import torch

    from i2i.io import WriterSpec
    from i2i.prediction.batch import BatchResult, Job
    from i2i.prediction.predictor import Predictor


class PredictUsageError(I2IError):
    """The arguments of a prediction command do not fit together."""


def _in_range(value: float | None, expected: str, valid: Callable[[float], bool]) -> float | None:
    if value is not None and not valid(value):
        raise typer.BadParameter(f"{value} is not {expected}.")
    return value


FROM_RECIPE = "Default: the model recipe's predict section"
TileSize = Annotated[
    int | None,
    typer.Option(
        "--tile-size", min=16, help=f"Tile side in pixels, >= 16. {FROM_RECIPE} (else 256)."
    ),
]
Overlap = Annotated[
    float | None,
    typer.Option(
        "--overlap",
        callback=lambda value: _in_range(value, "in [0, 1)", lambda v: 0 <= v < 1),
        help=f"Overlap of neighbouring tiles, fraction of a tile in [0, 1). {FROM_RECIPE}.",
    ),
]
BatchSize = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, help=f"Tiles per forward pass, >= 1. {FROM_RECIPE}."),
]


Device = Annotated[
    str,
    typer.Option("--device", help="auto, cpu, cuda, cuda:1 ... (checked before a model loads)."),
]
Bf16 = Annotated[bool, typer.Option("--bf16", help="bfloat16 autocast (GPUs; CPUs with bf16).")]
Compile = Annotated[bool, typer.Option("--compile", help="torch.compile the model.")]
ChannelsLast = Annotated[bool, typer.Option("--channels-last", help="channels_last memory format.")]
Tta = Annotated[
    bool, typer.Option("--tta", help="Average over the 8 flips/rotations of each tile (8x time).")
]
Uncertainty = Annotated[
    bool,
    typer.Option(
        "--uncertainty",
        help="With --tta: also write the per-pixel standard deviation of the 8 predictions as "
        "channels <name>_tta_std (where the model is orientation-sensitive; not a calibrated "
        "error).",
    ),
]
StrictDomain = Annotated[
    bool,
    typer.Option(
        "--strict-domain",
        help="Fail, instead of warning, on an input that differs from the model's training "
        "data (pixel size, z-planes, channel names, intensity statistics).",
    ),
]
PixelSize = Annotated[
    float | None,
    typer.Option(
        "--pixel-size",
        callback=lambda value: _in_range(value, "a size in µm greater than 0", lambda v: v > 0),
        help="Input pixel size in µm (> 0), when the file lacks or misstates it.",
    ),
]
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Predict every output again and replace whatever is there (by default complete "
        "outputs are skipped and only earlier image outputs are ever replaced).",
    ),
]


def predictor_options(**options: Any) -> dict[str, Any]:
    """The options given on the command line; those left out come from the model's recipe.

    Progress is a bar when stderr is a terminal, else plain lines at most every 30 s.
    ``uncertainty`` without ``tta`` is an error, before a model loads.
    """
    given = {key: value for key, value in options.items() if value is not None}
    if given.get("uncertainty") and not given.get("tta"):
        raise PredictUsageError(
            "--uncertainty writes the spread of the --tta predictions, so it needs --tta. "
            "Give --tta --uncertainty, or leave --uncertainty out."
        )
    given["show_progress"] = True if sys.stderr.isatty() else "lines"
    return given


def run_prediction_jobs(
    jobs: list[Job],
    models: dict[str, str],
    device: str,
    options: dict[str, Any],
    writer: WriterSpec = None,
    overwrite: bool = False,
) -> None:
    """Predict ``jobs`` (split between processes), one predictor per key of ``models``.

    ``device`` ``auto`` is each process's own device under ``accelerate launch``/``torchrun``
    (the CPU without GPUs); any other value is resolved by :func:`i2i.device.resolve_device`
    before a model loads, so a wrong name fails at once. Existing complete outputs are
    skipped, incomplete ones predicted again (both reported on stderr); ``overwrite`` redoes
    and replaces every output.
    """
    from i2i.device import resolve_device
    from i2i.prediction import load_predictor
    from i2i.prediction.batch import run_jobs

    chosen = None if device == AUTO else resolve_device(device)

    def make_predictor(key: str, process_device: torch.device) -> Predictor:
        return load_predictor(models[key], device=chosen or process_device, **options)

    def report(job: Job, skipped: bool) -> None:
        state = "exists and is complete, skipped" if skipped else "written"
        typer.echo(f"{job.output} ({state})", err=True)

    def report_incomplete(job: Job, reason: str) -> None:
        typer.echo(
            f"{job.output} exists but is incomplete ({reason}); predicting it again.", err=True
        )

    with warnings_as_messages():
        result = run_jobs(
            jobs,
            make_predictor,
            device=device,
            writer=writer,
            on_done=report,
            on_incomplete=report_incomplete,
            overwrite=overwrite,
        )
    _summary(result)


def _summary(result: BatchResult) -> None:
    redone = f", {len(result.redone)} of them incomplete before" if result.redone else ""
    typer.echo(
        f"{len(result.predicted)} prediction(s) written{redone}, {len(result.skipped)} skipped "
        "(already complete).",
        err=True,
    )
