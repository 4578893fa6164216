"""Report figures (matplotlib, no pyplot state): distributions, z-deviation curves, panels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from i2i.evaluate.result import EvaluationResult

DPI = 120
LABELS = {
    "mae": "MAE",
    "mse": "MSE",
    "ssim": "SSIM",
    "pcc": "PCC",
    "euclidean": "Euclidean distance",
    "cosine": "cosine distance",
    "psnr": "PSNR (dB)",
}


def metric_label(result: EvaluationResult, metric: str) -> str:
    """'SSIM ↑' / 'MAE ↓': the name with the direction of better values."""
    arrow = "↑" if result.higher_is_better.get(metric, False) else "↓"
    return f"{LABELS.get(metric, metric)} {arrow}"


def shorten(text: str, width: int = 38) -> str:
    """Cut the middle of long names (file names of microscopy data are long)."""
    return text if len(text) <= width else f"{text[: width // 2 - 1]}…{text[-(width // 2) :]}"


def _grid(count: int, columns: int = 4) -> tuple[int, int]:
    columns = min(columns, count)
    return math.ceil(count / columns), columns


def _new_figure(rows: int, columns: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(columns * width, rows * height), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    return figure, axes


def shown_metrics(result: EvaluationResult) -> list[str]:
    """Metrics used by at least one organelle, in the result's order."""
    used = {m for o in result.per_image["organelle"].unique() for m in result.metrics_for(o)}
    return [m for m in result.metrics if m in used]


def named_organelles(result: EvaluationResult, rows: Sequence[int] | None = None) -> list[str]:
    """The organelles of the scored rows (of ``rows`` only when given), sorted; rows without
    one are left out."""
    column = result.per_image["organelle"]
    column = column if rows is None else column.loc[list(rows)]
    return sorted(column.dropna().astype(str).unique())


def organelle_rows(table: pd.DataFrame, organelle: str) -> pd.Series:
    """Which rows of ``table`` are ``organelle``'s (compared as text, as named above)."""
    return table["organelle"].notna() & (table["organelle"].astype(str) == organelle)


def distributions(result: EvaluationResult, path: Path) -> Path:
    """One box plot per metric, a box (and the points) per organelle (at least one)."""
    table = result.per_image
    organelles = named_organelles(result)
    metrics = [m for m in result.metrics if any(m in result.metrics_for(o) for o in organelles)]
    rows, columns = _grid(len(metrics))
    figure, axes = _new_figure(rows, columns, width=max(2.6, 0.9 * len(organelles) + 1.2), height=3)
    rng = np.random.default_rng(0)
    for axis, metric in zip(axes, metrics, strict=False):
        groups = [o for o in organelles if metric in result.metrics_for(o)]
        values = [table.loc[organelle_rows(table, o), metric].dropna().to_numpy() for o in groups]
        axis.boxplot(values, tick_labels=groups, showfliers=False, widths=0.6)
        for position, group_values in enumerate(values, start=1):
            jitter = rng.uniform(-0.15, 0.15, len(group_values))
            axis.plot(position + jitter, group_values, ".", color="tab:blue", alpha=0.5, ms=4)
        axis.set_title(metric_label(result, metric))
        axis.tick_params(axis="x", labelrotation=30 if len(groups) > 3 else 0)
        axis.grid(axis="y", alpha=0.3)
    for axis in axes[len(metrics) :]:
        axis.set_visible(False)
    figure.suptitle("Per-image metrics by organelle")
    figure.savefig(path)
    return path


def z_deviation_curves(result: EvaluationResult, path: Path) -> Path:
    """Mean ± sd of each metric against |z - best_z|, one line (one colour) per organelle."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    summary = result.summary(by="z_deviation")
    metrics = shown_metrics(result)
    organelles = sorted(summary["organelle"].astype(str).unique())
    colours = {o: f"C{i % 10}" for i, o in enumerate(organelles)}
    rows, columns = _grid(len(metrics))
    figure, axes = _new_figure(rows, columns, width=3.4, height=2.8)
    for axis, metric in zip(axes, metrics, strict=False):
        for organelle, group in summary.groupby("organelle"):
            if group[metric].isna().all():
                continue
            x, mean, sd = group["z_deviation"], group[metric], group[f"{metric}_sd"].fillna(0)
            colour = colours[str(organelle)]
            axis.plot(x, mean, "o-", ms=3, color=colour)
            axis.fill_between(x, mean - sd, mean + sd, alpha=0.15, color=colour)
        axis.set_title(metric_label(result, metric))
        axis.set_xlabel("|z − best z| (planes)")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
    for axis in axes[len(metrics) :]:
        axis.set_visible(False)
    handles = [Line2D([], [], color=colours[o], marker="o", ms=3) for o in organelles]
    figure.legend(handles, organelles, loc="outside right upper", title="organelle")
    figure.suptitle("Metrics by distance from best focus (mean ± sd)")
    figure.savefig(path)
    return path


def ranked_rows(result: EvaluationResult, organelle: str) -> tuple[str, list[tuple[str, int]]]:
    """The metric used to rank ``organelle``'s rows and its (label, row) best, median, worst."""
    summarising = result.metrics_for(organelle)  # never empty: see metric_sets.summarising
    metric = "pcc" if "pcc" in summarising else summarising[0]
    table = result.per_image
    chosen = table[organelle_rows(table, organelle) & table.index.isin(list(result.panels))]
    ordered = chosen.sort_values(metric, ascending=not result.higher_is_better[metric]).index
    picks = [("best", ordered[0]), ("median", ordered[len(ordered) // 2]), ("worst", ordered[-1])]
    distinct: list[tuple[str, int]] = []
    for label, row in picks:
        if row not in [r for _, r in distinct]:
            distinct.append((label, row))
    return metric, distinct


def panels(result: EvaluationResult, organelle: str, path: Path) -> Path:
    """Rows best | median | worst; columns input | target | prediction | |error|."""
    metric, rows = ranked_rows(result, organelle)
    with_input = any(result.panels[row].input is not None for _, row in rows)
    titles = (["input"] if with_input else []) + ["target", "prediction", "|error|"]
    figure, axes = _new_figure(len(rows), len(titles), width=2.6, height=2.75)
    table = result.per_image
    for r, (label, row) in enumerate(rows):
        panel = result.panels[row]
        images = ([panel.input] if with_input else []) + [
            panel.target,
            panel.prediction,
            panel.error,
        ]
        for c, (title, image) in enumerate(zip(titles, images, strict=True)):
            axis = axes[r * len(titles) + c]
            if image is not None:
                axis.imshow(
                    image, cmap="inferno" if title == "|error|" else "gray", vmin=0, vmax=255
                )
            axis.set_xticks([])
            axis.set_yticks([])
            if r == 0:
                axis.set_title(title)
        values = [f"{m} {table.at[row, m]:.3g}" for m in result.metrics_for(organelle)]
        scores = "\n".join(", ".join(values[i : i + 3]) for i in range(0, len(values), 3))
        axes[r * len(titles)].set_ylabel(
            f"{label}\n{shorten(str(table.at[row, 'image']), 44)}\n{scores}", fontsize=7
        )
    figure.suptitle(f"{organelle}: best, median and worst by {LABELS.get(metric, metric)}")
    figure.savefig(path)
    return path
