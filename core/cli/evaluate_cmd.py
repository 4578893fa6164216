"""``i2i evaluate``: score prediction folders against targets, or rank several models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app
from i2i.errors import I2IError


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
    pred: Annotated[Path | None, typer.Option("--pred", help="Folder of predictions.")] = None,
    target: Annotated[Path | None, typer.Option("--target", help="Folder of targets.")] = None,
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
) -> None:
    """Score predictions against targets: per-image CSV, summaries, report.md with figures.

    Examples:

      i2i evaluate --pred preds/ --target targets/ -o eval/ --best-z best_z.csv

      i2i evaluate --compare eval_vqgan/ eval_unet/ -o comparison/
    """
    from i2i.evaluate import compare as compare_models
    from i2i.evaluate import evaluate_folders, write_ranking, write_report

    options: dict[str, Any] = {
        "best_z": best_z,
        "meta": meta,
        "metrics": _metric_names(metrics),
        "metric_set": metric_set,
        "normalize": _normalization(normalize),
        "device": device,
    }
    if compare:
        if pred is not None or not sources:
            raise EvaluateUsageError(
                "With --compare give the folders to rank as arguments (evaluation outputs or, with "
                "--target, prediction folders): i2i evaluate --compare DIR_A DIR_B -o OUT."
            )
        comparison = compare_models(sources, target_dir=target, names=name, **options)
        typer.echo(f"Ranking written to {write_ranking(comparison, out)}")
        return
    if pred is None or target is None or sources:
        raise EvaluateUsageError(
            "Give --pred DIR and --target DIR (i2i evaluate --pred preds/ --target targets/ -o "
            "OUT), or --compare with two or more folders."
        )
    result = evaluate_folders(pred, target, input_dir=inputs, **options)
    report = write_report(result, out, sources={"predictions": str(pred), "targets": str(target)})
    typer.echo(f"Scored {len(result.per_image)} image channel(s); report written to {report}")
    if result.skipped:
        typer.echo(
            f"Skipped {len(result.skipped)} prediction(s) whose field has no target for the "
            f"predicted channel, e.g. {', '.join(result.skipped[:3])}."
        )


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
