"""The evaluation folder: CSV tables, PNG figures and a ``report.md`` that links them.

Layout of ``out_dir``::

    per_image.csv                 one row per image and target channel
    summary_by_organelle.csv      mean, sd, n per organelle (and _by_modality, _by_study, ...)
    report.md                     tables and figures for a reader
    figures/distributions.png     per-organelle distributions of each metric
    figures/z_deviation.png       metrics against |z - best_z| (with a best-z table)
    figures/panels_<organelle>.png  best, median and worst images
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
    out_dir: Path,
    *,
    title: str = "i2i evaluation",
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Write tables, figures and ``report.md`` into ``out_dir``; return the report's path."""
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
