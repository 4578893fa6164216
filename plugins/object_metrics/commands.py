"""The command ``i2i evaluate-objects``: the object-level evaluation of a prediction folder.

Added through the ``i2i_add_cli_commands`` hook. Importing this module imports typer only;
the command imports what it needs when it runs, so ``i2i --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def evaluate_objects_command(
    pred_dir: Annotated[Path, typer.Argument(help="Folder of predicted stains.")],
    target_dir: Annotated[Path, typer.Argument(help="Folder of real stains (same names).")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Report folder (tables, JSON, figures).")
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Label images of the real stain (named like the targets)."),
    ] = None,
    pred_labels: Annotated[
        Path | None,
        typer.Option("--pred-labels", help="Label images of the predictions (named like them)."),
    ] = None,
    conditions: Annotated[
        Path | None,
        typer.Option(
            "--conditions",
            help="CSV: 'image' and 'condition' (for mAP) and/or 'well' (per-well profiles).",
        ),
    ] = None,
    references: Annotated[
        bool,
        typer.Option(
            "--references", help="Also score real+noise (upper) and blurred prediction (lower)."
        ),
    ] = False,
    blur_sigma: Annotated[
        float, typer.Option(help="Gaussian sigma (pixels) of the blurred lower reference.")
    ] = 4.0,
    smoothing: Annotated[float, typer.Option(help="Smoothing sigma before thresholding.")] = 2.0,
    threshold: Annotated[str, typer.Option(help="'otsu' or 'local'.")] = "otsu",
    min_size: Annotated[int, typer.Option(help="Smallest object (pixels).")] = 30,
    min_distance: Annotated[int, typer.Option(help="Smallest distance between centres.")] = 5,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="Regex over the field id giving its well (first group), e.g. '^([A-P]/\\d+)/'.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
) -> None:
    """Do predicted stains give the same objects and measurements as the real ones?

    Segments nuclei-like objects in both stains (cells grown from the nuclei of a nuclear
    channel for a cytoplasmic stain; or reads --labels), matches them by IoU
    (precision/recall/F1 at IoU 0.5), measures the real objects in both stains with
    cp-measure (CellProfiler's features) and compares the profiles of fields.
    Needs the 'objects' extra of i2i-microscopy (cp-measure, copairs).

    Example:

      i2i evaluate-objects preds/ targets/ -o eval_objects/ --references
    """
    from i2i_plugins.object_metrics.run import run_object_evaluation

    run_object_evaluation(
        pred_dir,
        target_dir,
        output=output,
        labels=labels,
        pred_labels=pred_labels,
        conditions=conditions,
        references=references,
        blur_sigma=blur_sigma,
        segmentation={
            "smoothing_sigma": smoothing,
            "threshold": threshold,
            "min_size": min_size,
            "min_distance": min_distance,
        },
        as_json=as_json,
        group_by=group_by,
    )
