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


BOX_MINIMUM = 5
"""Fewest values a box plot is drawn for; fewer are shown as points with their median."""


def _grid(count: int, most_columns: int = 4) -> tuple[int, int]:
    """Rows and columns for ``count`` plots: one row up to ``most_columns + 1`` plots, else
    the column count that leaves the fewest empty cells (the widest of equals)."""
    if count <= most_columns + 1:
        return 1, max(count, 1)
    columns = min(range(most_columns, 1, -1), key=lambda c: (-count % c, -c))
    return math.ceil(count / columns), columns


def _new_figure(count: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    """A figure with exactly ``count`` axes of ``width`` × ``height`` inches on a grid (no
    empty axes in the last row)."""
    from matplotlib.figure import Figure

    rows, columns = _grid(count)
    figure = Figure(figsize=(columns * width, rows * height), dpi=DPI, layout="constrained")
    grid = figure.add_gridspec(rows, columns)
    axes = [figure.add_subplot(grid[i // columns, i % columns]) for i in range(count)]
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
    """One plot per metric: per organelle (at least one) its points over a box plot, or the
    points and a median line when it has fewer than :data:`BOX_MINIMUM` values (a box of one
    or two values says nothing); each organelle's label gives its n."""
    table = result.per_image
    organelles = named_organelles(result)
    metrics = [m for m in result.metrics if any(m in result.metrics_for(o) for o in organelles)]
    figure, axes = _new_figure(len(metrics), width=max(2.6, 0.9 * len(organelles) + 1.2), height=3)
    rng = np.random.default_rng(0)
    for axis, metric in zip(axes, metrics, strict=True):
        groups = [o for o in organelles if metric in result.metrics_for(o)]
        values = [table.loc[organelle_rows(table, o), metric].dropna().to_numpy() for o in groups]
        positions = list(range(1, len(groups) + 1))
        boxed = [(p, v) for p, v in zip(positions, values, strict=True) if len(v) >= BOX_MINIMUM]
        if boxed:
            axis.boxplot(
                [v for _, v in boxed],
                positions=[p for p, _ in boxed],
                showfliers=False,
                widths=0.6,
            )
        for position, group_values in zip(positions, values, strict=True):
            if 0 < len(group_values) < BOX_MINIMUM:
                median = float(np.median(group_values))
                axis.hlines(median, position - 0.25, position + 0.25, color="tab:orange")
            jitter = rng.uniform(-0.15, 0.15, len(group_values))
            axis.plot(position + jitter, group_values, ".", color="tab:blue", alpha=0.6, ms=5)
        axis.set_xticks(
            positions, [f"{g}\nn={len(v)}" for g, v in zip(groups, values, strict=True)]
        )
        axis.set_xlim(0.4, len(groups) + 0.6)
        axis.set_title(metric_label(result, metric))
        axis.tick_params(axis="x", labelrotation=30 if len(groups) > 3 else 0)
        axis.grid(axis="y", alpha=0.3)
    few = any(
        0 < table.loc[organelle_rows(table, o), m].notna().sum() < BOX_MINIMUM
        for m in metrics
        for o in organelles
        if m in result.metrics_for(o)
    )
    figure.suptitle(
        "Per-image metrics by organelle"
        + (f" (points and median where n < {BOX_MINIMUM})" if few else "")
    )
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
    figure, axes = _new_figure(len(metrics), width=3.4, height=2.8)
    for axis, metric in zip(axes, metrics, strict=True):
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
    if len(ordered) == 1:
        return metric, [("only image", ordered[0])]
    picks = [("best", ordered[0]), ("median", ordered[len(ordered) // 2]), ("worst", ordered[-1])]
    distinct: list[tuple[str, int]] = []
    for label, row in picks:
        if row not in [r for _, r in distinct]:
            distinct.append((label, row))
    return metric, distinct


def panels(result: EvaluationResult, organelle: str, path: Path) -> Path:
    """Rows best | median | worst (as many as there are distinct images); columns input |
    target | prediction | |error|, each cell shaped like the images (a wide strip stays a
    wide strip, without white space around it)."""
    metric, rows = ranked_rows(result, organelle)
    with_input = any(result.panels[row].input is not None for _, row in rows)
    titles = (["input"] if with_input else []) + ["target", "prediction", "|error|"]
    height, width = result.panels[rows[0][1]].target.shape
    aspect = min(max(height / width, 0.2), 3.0)
    figure, axes = _new_panel_figure(len(rows), len(titles), cell_width=2.6, aspect=aspect)
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
            f"{label}\n{shorten(str(table.at[row, 'image']), 44)}\n{scores}",
            fontsize=7,
            rotation=0,  # read across: a wide strip has no height for a vertical label
            horizontalalignment="right",
            verticalalignment="center",
        )
    ranking = {2: "best and worst", 3: "best, median and worst"}
    figure.suptitle(
        f"{organelle}: the only scored image"
        if len(rows) == 1
        else f"{organelle}: {ranking[len(rows)]} by {LABELS.get(metric, metric)}"
    )
    figure.savefig(path)
    return path


def _new_panel_figure(
    rows: int, columns: int, cell_width: float, aspect: float
) -> tuple[Figure, list[Axes]]:
    """``rows`` × ``columns`` image axes of ``cell_width`` inches and height ``aspect`` times
    that, with room for the titles above and the labels on the left."""
    from matplotlib.figure import Figure

    titles, labels = 0.8, 2.2  # inches: suptitle and column titles; row labels
    size = (columns * cell_width + labels, rows * (cell_width * aspect + 0.15) + titles)
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    return figure, axes
