"""Writing evaluations down: the report of one result, the ranking of several models.

:func:`write_report` fills an evaluation folder with CSV tables, PNG figures and a
``report.md`` that links them; :func:`write_ranking` writes a model comparison. Layout of an
evaluation folder::

    per_image.csv                 one row per image and target channel
    summary_by_organelle.csv      mean, sd, n per organelle (and _by_modality, _by_study, ...)
    report.md                     tables and figures for a reader
    figures/distributions.png     per-organelle distributions of each metric
    figures/z_deviation.png       metrics against |z - best_z| (with a best-z table)
    figures/panels_<organelle>.png  best, median and worst images

and of a ranking folder: ``means.csv``, ``ranking.csv`` and ``ranking.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from i2i.evaluate import figures

if TYPE_CHECKING:
    import pandas as pd

    from i2i.evaluate.compare import Comparison
    from i2i.evaluate.result import EvaluationResult


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def _cell(mean: float, sd: float) -> str:
    if math.isnan(mean):
        return "—"
    return f"{mean:.4g} ± {sd:.2g}" if not math.isnan(sd) else f"{mean:.4g}"


def summary_markdown(result: EvaluationResult, summary: pd.DataFrame, by: str | None) -> str:
    """A summary table: group columns, ``mean ± sd`` per metric (— outside the metric set), n."""
    metrics = figures.shown_metrics(result)
    keys = ["organelle", *([by] if by else [])]
    headers = [*keys, *(figures.metric_label(result, m) for m in metrics), "n"]
    rows = [
        [
            *(record[k] for k in keys),
            *(_cell(record[m], record[f"{m}_sd"]) for m in metrics),
            record["n"],
        ]
        for record in summary.to_dict("records")
    ]
    return markdown_table(headers, rows)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "channel"


def write_report(
    result: EvaluationResult,
    out_dir: str | Path,
    *,
    title: str = "i2i evaluation",
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Write ``per_image.csv``, ``summary*.csv``, figures and ``report.md`` into ``out_dir``
    (created when missing); return the report's path. ``sources`` are listed at the top
    (e.g. ``{"predictions": "preds/"}``)."""
    out_dir = Path(out_dir)
    figure_dir = out_dir / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    result.per_image.to_csv(out_dir / "per_image.csv", index=False)
    table = result.per_image
    lines = [f"# {title}", ""]
    lines += [f"- {key}: `{value}`" for key, value in (sources or {}).items()]
    lines += [
        f"- images: {table['image'].nunique()}, rows (image × channel): {len(table)}",
        f"- normalisation: {_normalization_text(result.normalize)}",
        "- ↑ higher is better, ↓ lower is better; — : metric not in the organelle's set",
        "",
    ]
    if table.empty:
        (out_dir / "report.md").write_text("\n".join([*lines, "No images were scored.", ""]))
        return out_dir / "report.md"
    by_organelle = result.summary()
    by_organelle.to_csv(out_dir / "summary_by_organelle.csv", index=False)
    lines += [
        "## Metrics by organelle (mean ± sd)",
        "",
        summary_markdown(result, by_organelle, None),
        "",
    ]
    for by in result.groupings():
        summary = result.summary(by=by)
        summary.to_csv(out_dir / f"summary_by_{by}.csv", index=False)
        lines += [f"## By {by.replace('_', ' ')}", "", summary_markdown(result, summary, by), ""]
    lines += _figure_sections(result, figure_dir)
    report = out_dir / "report.md"
    report.write_text("\n".join(lines))
    return report


def _figure_sections(result: EvaluationResult, figure_dir: Path) -> list[str]:
    lines = []
    if figures.named_organelles(result):
        figures.distributions(result, figure_dir / "distributions.png")
        lines += ["## Distributions", "", "![distributions](figures/distributions.png)", ""]
    if "z_deviation" in result.groupings():
        figures.z_deviation_curves(result, figure_dir / "z_deviation.png")
        lines += ["## Distance from best focus", "", "![z deviation](figures/z_deviation.png)", ""]
    organelles = figures.named_organelles(result, rows=list(result.panels))
    if organelles:
        lines += [
            "## Best, median and worst images",
            "",
            "Input, target and prediction are each scaled to their own 2–99.8 percentiles; "
            "|error| is the absolute difference of the scaled target and prediction (0–1).",
            "",
        ]
    for organelle in organelles:
        name = f"panels_{_slug(organelle)}.png"
        figures.panels(result, organelle, figure_dir / name)
        lines += [f"![{organelle}](figures/{name})", ""]
    return lines


def _normalization_text(normalize: str) -> str:
    if normalize == "challenge":
        return "Light My Cells challenge (each image to (x − p2) / (p99.8 − p2), not clipped)"
    return "none (values scored as given)"


def write_ranking(comparison: Comparison, out_dir: str | Path) -> Path:
    """Write ``means.csv``, ``ranking.csv`` and ``ranking.md``; return the markdown path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    comparison.means.to_csv(out / "means.csv", index_label="model")
    comparison.positions.to_csv(out / "ranking.csv", index_label="model")
    lines = ["# Model comparison", "", "## Positions (1 = best)", ""]
    lines += [_frame_table(comparison.positions, "{:.2f}"), "", "## Mean metrics", ""]
    directions = comparison.higher_is_better
    arrows = [f"{c} {'↑' if directions[c.split('/')[-1]] else '↓'}" for c in comparison.means]
    lines += [_frame_table(comparison.means.set_axis(arrows, axis=1), "{:.4g}"), ""]
    (out / "ranking.md").write_text("\n".join(lines))
    return out / "ranking.md"


def _frame_table(frame: pd.DataFrame, number: str) -> str:
    """``frame`` as a markdown table, its index as the ``model`` column; whole numbers shown
    as integers, NaN as —, other numbers with the ``number`` format."""

    def cell(value: object) -> str:
        if isinstance(value, float) and math.isnan(value):
            return "—"
        if isinstance(value, float) and not value.is_integer():
            return number.format(value)
        return str(int(value)) if isinstance(value, float) else str(value)

    rows = [[name, *map(cell, values)] for name, values in frame.astype(object).iterrows()]
    return markdown_table(["model", *frame.columns], rows)
