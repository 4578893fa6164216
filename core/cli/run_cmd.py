"""``i2i run``: train a recipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from i2i.cli.app import app


@app.command(
    "run",
    context_settings={"allow_extra_args": False},
)
def run_command(
    recipe: Annotated[str, typer.Argument(help="Recipe file, or the name of a bundled recipe.")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            help="Overrides key.path=value, e.g. train.max_steps=100.", show_default=False
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            help=(
                "Continue a run: 'latest' (the recipe's last run) or a run folder. It uses the "
                "run's own recipe.yaml; overrides may change only train.max_steps, the "
                "logging, validation and checkpoint cadences and a few more (docs/training.md)."
            ),
        ),
    ] = None,
    runs_root: Annotated[
        Path | None, typer.Option("--runs-root", help="Folder of run folders (train.runs_root).")
    ] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
    num_processes: Annotated[
        int,
        typer.Option(
            "--num-processes",
            "-n",
            min=1,
            help="Data-parallel processes on this machine (launched with torchrun).",
        ),
    ] = 1,
) -> None:
    """Train a recipe: validate it, build data, model and losses, train, validate, checkpoint.

    Example: i2i run quickstart train.max_steps=200

    Resume: i2i run quickstart --resume latest train.max_steps=2000

    Multi-GPU: i2i run lmc_mito --num-processes 4 (or accelerate launch -m i2i run lmc_mito).
    """
    if num_processes > 1 and "LOCAL_RANK" not in os.environ:
        raise typer.Exit(_launch(num_processes, sys.argv[1:]))
    from i2i.training import train
    from i2i.training.summary import print_summary

    result = train(
        recipe,
        overrides or [],
        resume=resume,
        runs_root=runs_root,
        device=device,
    )
    print_summary(result)
    if result.stopped_early:
        raise typer.Exit(130)


def _launch(num_processes: int, argv: list[str]) -> int:
    """Re-run this command under torchrun with ``num_processes`` local processes."""
    forwarded = []
    skip = False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("--num-processes", "-n"):
            skip = index + 1 < len(argv)
            continue
        if arg.startswith("--num-processes="):
            continue
        forwarded.append(arg)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={num_processes}",
        "-m",
        "i2i",
        *forwarded,
    ]
    return subprocess.call(command)
