"""The plate-map heat map: one cell per well of the plate grid, coloured by a metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from i2i.atomic import atomic_output
from i2i_plugins.hcs_plates.metadata import Plate


def plate_map(per_well: pd.DataFrame, plate: Plate, metric: str, channel: str, out: Path) -> Path:
    """``out/figures/plate_map_<channel>.png``: rows x columns, wells without a value blank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.full((len(plate.rows), len(plate.columns)), np.nan)
    for _, row in per_well.iterrows():
        name, column = str(row["well"]).split("/")
        grid[plate.rows.index(name), plate.columns.index(column)] = row[metric]
    width = max(4.0, 0.5 * len(plate.columns) + 2)
    figure, axes = plt.subplots(figsize=(width, max(3.0, 0.5 * len(plate.rows) + 1.5)))
    shown = axes.imshow(grid, cmap="viridis")
    axes.set_xticks(range(len(plate.columns)), plate.columns)
    axes.set_yticks(range(len(plate.rows)), plate.rows)
    low, high = np.nanmin(grid), np.nanmax(grid)
    for (r, c), value in np.ndenumerate(grid):
        if not np.isnan(value):
            bright = high > low and (value - low) / (high - low) > 0.6  # viridis turns yellow
            colour = "black" if bright else "white"
            axes.text(c, r, f"{value:.2f}", ha="center", va="center", color=colour, fontsize=8)
    axes.set_title(f"{channel}: {metric} per well ({plate.path.name})")
    figure.colorbar(shown, ax=axes, label=metric)
    path = out / "figures" / f"plate_map_{channel}.png"
    with atomic_output(path) as temporary:
        figure.savefig(temporary, dpi=100, bbox_inches="tight", format="png")
    plt.close(figure)
    return path
