"""``i2i evaluate``: score prediction folders against targets, or rank several models."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from i2i.cli.app import app
from i2i.cli.containers import open_container, refuse_options
from i2i.containers import ContainerEvaluation, ImageContainer
from i2i.errors import I2IError
from i2i.evaluation_extensions import INPUT_OPTIONS

if TYPE_CHECKING:
    from pydantic import BaseModel

    from i2i.evaluate.result import EvaluationResult
    from i2i.evaluation_extensions import EvaluationExtension, ExtensionReport


class EvaluateUsageError(I2IError):
    """The options of ``i2i evaluate`` do not fit together."""


@app.command("evaluate")
def evaluate_command(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            help="With --compare: evaluation output or prediction folders, one per model."
        ),
    ] = None,
    pred: Annotated[
        Path | None, typer.Option("--pred", help="Folder (or container) of predictions.")
    ] = None,
    target: Annotated[
        Path | None, typer.Option("--target", help="Folder (or container) of targets.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("evaluation"),
    compare: Annotated[
        bool, typer.Option("--compare", help="Rank the models given as arguments (Table A.1).")
    ] = False,
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Model name for --compare (repeat).")
    ] = None,
    best_z: Annotated[
        Path | None, typer.Option("--best-z", help="CSV: best_z per field (and study).")
    ] = None,
    inputs: Annotated[
        Path | None, typer.Option("--input", help="Folder of model inputs, shown in the panels.")
    ] = None,
    meta: Annotated[
        Path | None, typer.Option("--meta", help="CSV of per-prediction metadata ('image' column).")
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option("--metrics", help="Metric names, comma-separated or repeated (default: all)."),
    ] = None,
    metric_set: Annotated[
        str | None,
        typer.Option("--metric-set", help="Summarise every channel with this set (cell_painting)."),
    ] = None,
    normalize: Annotated[
        str, typer.Option("--normalize", help="'challenge' (p2/p99.8) or 'none'.")
    ] = "challenge",
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:1 ...")] = "auto",
    objects: Annotated[
        bool,
        typer.Option(
            "--objects",
            help="Also compare segmented nuclei and their CellProfiler measurements "
            "(needs the 'objects' extra of i2i-microscopy).",
        ),
    ] = False,
    extension: Annotated[
        list[str] | None,
        typer.Option("--extension", help="Also run this evaluation extension (repeat)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="Extension parameter NAME.key=value (objects.segmentation.min_size=50)."
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="With --objects: label images of the targets (same names)."),
    ] = None,
    pred_labels: Annotated[
        Path | None,
        typer.Option("--pred-labels", help="With --objects: label images of the predictions."),
    ] = None,
    conditions: Annotated[
        Path | None,
        typer.Option("--conditions", help="With --objects: CSV of 'image' and 'condition' (mAP)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the summary and the extensions' numbers as JSON."),
    ] = False,
) -> None:
    """Score predictions against targets: per-image CSV, summaries, report.md with figures.

    Examples:

      i2i evaluate --pred preds/ --target targets/ -o eval/ --best-z best_z.csv

      i2i evaluate --pred preds/ --target targets/ -o eval/ --objects --labels labels/

      i2i evaluate --compare eval_vqgan/ eval_unet/ -o comparison/

      i2i evaluate --pred predicted.ome.zarr --target plate.ome.zarr -o eval/

    A prediction that a plugin opens as a container (an HCS OME-Zarr plate) is scored by that
    plugin against the target container (per image, and the plugin's own groupings).
    """
    from i2i.cli.progress import item_progress
    from i2i.evaluate import compare as compare_models
    from i2i.evaluate import evaluate_folders, write_ranking, write_report
    from i2i.evaluate.extensions import append_sections

    options: dict[str, Any] = {
        "best_z": best_z,
        "meta": meta,
        "metrics": _metric_names(metrics),
        "metric_set": metric_set,
        "normalize": _normalization(normalize),
        "device": device,
    }
    names = _extension_names(objects, extension)
    files = {"labels": labels, "predicted_labels": pred_labels, "conditions": conditions}
    if compare:
        _refuse_with_compare(names, param, files, as_json)
        if pred is not None or not sources:
            raise EvaluateUsageError(
                "With --compare give the folders to rank as arguments (evaluation outputs or, with "
                "--target, prediction folders): i2i evaluate --compare DIR_A DIR_B -o OUT."
            )
        _refuse_containers_to_rank([*sources, *([target] if target is not None else [])])
        comparison = compare_models(sources, target_dir=target, names=name, **options)
        typer.echo(f"Ranking written to {write_ranking(comparison, out)}")
        return
    if pred is None or target is None or sources:
        raise EvaluateUsageError(
            "Give --pred DIR and --target DIR (i2i evaluate --pred preds/ --target targets/ -o "
            "OUT), or --compare with two or more folders."
        )
    container = _evaluated_container(pred, target)
    if container is not None:
        refuse_options(
            container,
            {
                "--best-z": best_z is not None,
                "--meta": meta is not None,
                "--input": inputs is not None,
                **{f"--extension {n}" if n != "objects" else "--objects": True for n in names},
                "--param": bool(param),
                **{option: files[key] is not None for key, option in INPUT_OPTIONS.items()},
            },
            "folders of image files",
        )
        request = ContainerEvaluation(
            target=target,
            out=out,
            metrics=options["metrics"],
            metric_set=metric_set,
            normalize=options["normalize"],
            device=device,
        )
        evaluated = container.evaluate(request)
        if as_json:
            typer.echo(json.dumps(_finite({"summary": evaluated.summary, "skipped": []}), indent=2))
            return
        typer.echo(
            f"Scored {evaluated.scored} image channel(s) of the {container.kind} {pred}; "
            f"report written to {evaluated.report}"
        )
        return
    resolved = _resolved_extensions(names, param, files)
    with item_progress("evaluate", "images") as on_pair:
        result = evaluate_folders(pred, target, input_dir=inputs, on_pair=on_pair, **options)
    report = write_report(result, out, sources={"predictions": str(pred), "targets": str(target)})
    extension_reports = _run_extensions(resolved, pred, target, out, files)
    append_sections(report, extension_reports)
    if as_json:
        _print_json(result, extension_reports)
        return
    typer.echo(f"Scored {len(result.per_image)} image channel(s); report written to {report}")
    for done in extension_reports:
        typer.echo(f"The {done!r} evaluation is in {out / done} and in the report.")
    if result.skipped:
        typer.echo(
            f"Skipped {len(result.skipped)} prediction(s) whose field has no target for the "
            f"predicted channel, e.g. {', '.join(result.skipped[:3])}."
        )


def _refuse_containers_to_rank(paths: list[Path]) -> None:
    for path in paths:
        if (container := open_container(path)) is not None:
            raise EvaluateUsageError(
                f"{path} is a container of images ({container.kind}); --compare ranks "
                "evaluation outputs. Evaluate each prediction first (i2i evaluate --pred "
                f"PREDICTED --target TARGET -o eval_a/), then rank them: i2i evaluate --compare "
                "eval_a/ eval_b/."
            )


def _evaluated_container(pred: Path, target: Path) -> ImageContainer | None:
    """The container of predictions, if ``--pred`` is one; a container target needs one."""
    container = open_container(pred)
    if container is None and (target_container := open_container(target)) is not None:
        raise EvaluateUsageError(
            f"--target {target} is a container of images ({target_container.kind}) but --pred "
            f"{pred} is not: score a container predicted from it (i2i predict {target} -m MODEL "
            "-o PREDICTED), or give a folder of target images."
        )
    return container


def _extension_names(objects: bool, extension: list[str] | None) -> list[str]:
    """The chosen evaluation extensions: ``objects`` for ``--objects``, then ``--extension``s."""
    return list(dict.fromkeys([*(["objects"] if objects else []), *(extension or [])]))


def _refuse_with_compare(
    names: list[str], param: list[str] | None, files: dict[str, Path | None], as_json: bool
) -> None:
    given = [f"--extension {n}" if n != "objects" else "--objects" for n in names]
    given += ["--param"] * bool(param) + ["--json"] * as_json
    given += [option for key, option in INPUT_OPTIONS.items() if files[key] is not None]
    if given:
        raise EvaluateUsageError(
            f"{', '.join(dict.fromkeys(given))} evaluate one model; --compare ranks models from "
            "their pixel metrics. Evaluate each model with them on its own, or leave them out."
        )


def _resolved_extensions(
    names: list[str], param: list[str] | None, files: dict[str, Path | None]
) -> dict[str, tuple[EvaluationExtension, BaseModel]]:
    """Each chosen extension, installed, with validated parameters; before any scoring, so a
    missing library or a bad parameter costs nothing."""
    from i2i.evaluate.extensions import check_inputs_used, parse_params
    from i2i.evaluation_extensions import ExtensionInputs
    from i2i.installed_extensions import resolve_requests

    resolved = resolve_requests(parse_params(param or [], names), "--param {name}.…")
    check_inputs_used([e for e, _ in resolved.values()], ExtensionInputs(Path(), Path(), **files))
    return resolved


def _run_extensions(
    resolved: dict[str, tuple[EvaluationExtension, BaseModel]],
    pred: Path,
    target: Path,
    out: Path,
    files: dict[str, Path | None],
) -> dict[str, ExtensionReport]:
    from i2i.evaluate.extensions import read_image_pairs, run_extensions

    return run_extensions(resolved, lambda: read_image_pairs(pred, target), out, files)


def _print_json(result: EvaluationResult, reports: dict[str, ExtensionReport]) -> None:
    """``{"summary": [per-organelle means], "skipped": [...], NAME: numbers, ...}``."""
    summary = result.summary() if len(result.per_image) else None
    records = [] if summary is None else summary.to_dict("records")
    numbers: dict[str, object] = {"summary": records, "skipped": list(result.skipped)}
    numbers |= {name: report.numbers for name, report in reports.items()}
    typer.echo(json.dumps(_finite(numbers), indent=2))


def _finite(value: object) -> object:
    """NaN and infinities as null (JSON has no NaN); numpy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _metric_names(given: list[str] | None) -> list[str] | None:
    """Every metric named by repeated ``--metrics`` options and comma lists, in order, once."""
    if not given:
        return None
    names = [name.strip() for value in given for name in value.split(",") if name.strip()]
    if not names:
        raise EvaluateUsageError(
            "--metrics names no metric; give names such as --metrics mae,ssim (or leave the "
            "option out to score every metric)."
        )
    return list(dict.fromkeys(names))


def _normalization(value: str) -> str:
    if value not in {"challenge", "none"}:
        raise EvaluateUsageError(
            f"--normalize {value!r} is not known; use 'challenge' (percentile normalisation "
            "p2/p99.8 as the Light My Cells challenge) or 'none'."
        )
    return value
