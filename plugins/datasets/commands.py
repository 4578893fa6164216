"""The datasets plugin's commands: ``i2i predict-lmc`` and ``i2i data demo``.

Added through the ``i2i_add_cli_commands`` hook. Importing this module imports typer only;
each command imports what it needs when it runs, so ``i2i --help`` stays light.
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
    PredictUsageError,
    TileSize,
    Tta,
    predictor_options,
    run_prediction_jobs,
)

DEMO_LAYOUTS = {"lmc": "lmc", "jump": "jump_cellpaint"}
"""The demo datasets by their ``--layout`` name, and the dataset layout each one is."""


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
    (give at least one). Existing outputs are skipped. A Light My Cells dataset folder works as
    input too (subfolders kept, organelle images skipped); score the outputs against it with
    i2i evaluate --pred OUT --target DATASET.

    Example:

      i2i predict-lmc --input-dir /input --output-dir /output --model-nucleus nuc.safetensors
    """
    from i2i.plugins import get_registries
    from i2i_plugins.datasets.lmc_challenge import lmc_jobs

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
    options = predictor_options(
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        bf16=bf16,
        tta=tta,
        pixel_size=pixel_size,
        output_dtype="float32",
    )
    writer = get_registries().writers.create({"name": "ome_tiff"})
    run_prediction_jobs(jobs, models, device, options, writer=writer)


def demo_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    layout: Annotated[str, typer.Option("--layout", help="lmc or jump.")] = "lmc",
    size: Annotated[int | None, typer.Option(help="Image side (default 64 lmc, 128 jump).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write a small synthetic dataset in the exact Light My Cells or JUMP layout.

    Example: i2i data demo lmc_demo --layout lmc
    """
    from i2i.data.errors import DataError
    from i2i_plugins.datasets.demo import write_jump_demo, write_lmc_demo

    writers = {"lmc": write_lmc_demo, "jump": write_jump_demo}
    if layout not in DEMO_LAYOUTS:
        raise DataError(f"--layout {layout!r} is not a demo layout; use 'lmc' or 'jump'.")
    write = writers[layout]
    files = write(folder, seed=seed) if size is None else write(folder, size=size, seed=seed)
    typer.echo(f"Wrote {len(files)} files of a {DEMO_LAYOUTS[layout]} demo dataset to {folder}.")
