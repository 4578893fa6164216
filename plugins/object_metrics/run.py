"""What ``i2i evaluate-objects`` does once its options are parsed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

from i2i.errors import validation_problems
from i2i_plugins.object_metrics.errors import ObjectEvaluationError
from i2i_plugins.object_metrics.params import ObjectParams

if TYPE_CHECKING:
    from i2i_plugins.object_metrics.evaluation import FieldImages


def object_params(segmentation: dict[str, object], group_by: str | None = None) -> ObjectParams:
    """Validated parameters; a bad value is one clear error naming the option."""
    try:
        return ObjectParams.model_validate({"segmentation": segmentation, "group_by": group_by})
    except ValidationError as exc:
        raise ObjectEvaluationError(validation_problems(exc, "evaluate-objects options")) from None


def run_object_evaluation(
    pred_dir: Path,
    target_dir: Path,
    *,
    output: Path | None,
    labels: Path | None,
    pred_labels: Path | None,
    conditions: Path | None,
    references: bool,
    blur_sigma: float,
    segmentation: dict[str, object],
    as_json: bool,
    group_by: str | None = None,
) -> None:
    """Evaluate, write the report folder when asked, print the summary or the JSON."""
    _check_installed()
    from i2i_plugins.object_metrics.evaluation import evaluate_fields
    from i2i_plugins.object_metrics.folders import (
        pair_folders,
        read_conditions,
        read_fields,
    )
    from i2i_plugins.object_metrics.references import MODEL, evaluate_with_references
    from i2i_plugins.object_metrics.writing import references_table, write_object_report

    params = object_params(segmentation, group_by)
    pairs = pair_folders(pred_dir, target_dir)
    table = read_conditions(conditions) if conditions is not None else None

    def fields() -> Iterator[FieldImages]:
        return read_fields(pairs, target_dir, pred_dir, labels, pred_labels, table, params.cells)

    compared = evaluate_with_references(fields, params, blur_sigma) if references else None
    report = compared[MODEL] if compared else evaluate_fields(fields(), params)
    if output is not None:
        write_object_report(report, output, compared)
    if as_json:
        numbers = report.to_dict()
        if compared:
            numbers["references"] = {n: r.to_dict() for n, r in compared.items() if n != MODEL}
        from i2i_plugins.object_metrics.report import json_ready

        typer.echo(json.dumps(json_ready(numbers), indent=2))
        return
    typer.echo(report.detection_summary().to_string(index=False))
    if compared:
        typer.echo(references_table(compared).to_string(index=False))
    if output is not None:
        typer.echo(f"Wrote the object-level report to {output}/objects.md")


def _check_installed() -> None:
    """The libraries of the ``objects`` extension are importable (else how to install them)."""
    from i2i_plugins.object_metrics.extension import objects_extension

    objects_extension().check_installed()
