"""Summaries of the per-image table: z-deviation from best focus and grouped means.

The challenge reported each organelle's metrics by the distance of the input plane from the
field's best focus, ``|z - best_z|``, with ``best_z`` given per field in a table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from i2i.evaluate.errors import EvaluationError

if TYPE_CHECKING:
    import pandas as pd

BEST_Z_KEYS = ("study", "field", "image")


def read_best_z(path: str | Path) -> pd.DataFrame:
    """A best-focus table (CSV): a ``best_z`` column and key columns among study, field, image."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: best-z table not found. Give a CSV file path.")
    table = pd.read_csv(path)
    keys = [k for k in BEST_Z_KEYS if k in table.columns]
    if "best_z" not in table.columns or not keys:
        raise EvaluationError(
            f"{path}: a best-z table needs a 'best_z' column and at least one key column among "
            f"{', '.join(BEST_Z_KEYS)}; it has {', '.join(map(str, table.columns))}. Example:\n"
            "field,best_z\nimage_12,5"
        )
    return table


def add_z_deviation(per_image: pd.DataFrame, best_z: pd.DataFrame) -> pd.DataFrame:
    """``per_image`` with ``best_z`` and ``z_deviation = |z - best_z|`` joined on shared keys."""
    keys = [k for k in BEST_Z_KEYS if k in best_z.columns and k in per_image.columns]
    if "z" not in per_image.columns or not keys:
        raise EvaluationError(
            "A best-z table was given but the scored images have no "
            f"{'z column' if 'z' not in per_image.columns else 'key column it shares'} "
            f"(image columns: {', '.join(map(str, per_image.columns))}). Name predictions with "
            "a '_z<k>' plane token or give z through a metadata table (--meta)."
        )
    table = per_image.drop(columns=["best_z", "z_deviation"], errors="ignore")
    lookup = best_z[[*keys, "best_z"]].drop_duplicates(subset=keys)
    for key in keys:
        lookup[key] = lookup[key].astype(str)
    merged = table.assign(**{k: table[k].astype(str) for k in keys}).merge(
        lookup, on=keys, how="left"
    )
    merged = merged.assign(**{k: table[k].to_numpy() for k in keys})
    if merged["best_z"].isna().all():
        raise EvaluationError(_no_match_message(keys, lookup, table))
    merged["z_deviation"] = (merged["z"] - merged["best_z"]).abs()
    return merged


def _no_match_message(keys: list[str], best_z: pd.DataFrame, per_image: pd.DataFrame) -> str:
    """What the best-z table gives and what the scored images have, on the shared keys."""

    def examples(table: pd.DataFrame) -> str:
        rows = table[keys].astype(str).drop_duplicates().head(4)
        return "; ".join(", ".join(f"{k}={r[k]}" for k in keys) for _, r in rows.iterrows())

    return (
        f"The best-z table matches none of the scored images on {', '.join(keys)}: the table "
        f"expects {examples(best_z)}; the images have {examples(per_image)}. Write the table's "
        "keys as the images' (a field is the target's name without its organelle, e.g. "
        "image_12), or leave --best-z out."
    )


def grouped_means(
    per_image: pd.DataFrame,
    metrics: Sequence[str],
    by: Sequence[str],
    metrics_for: Callable[[str], list[str]],
) -> pd.DataFrame:
    """Mean, standard deviation and count of each metric per group of ``by`` columns.

    Groups include the organelle (when ``by`` does not) so that every value is masked to the
    organelle's metric set; columns are ``<metric>``, ``<metric>_sd`` and ``n``.
    """
    import numpy as np

    keys = list(dict.fromkeys(["organelle", *by]))
    table = per_image.dropna(subset=[k for k in by if k in per_image.columns])
    grouped = table.groupby(keys, sort=True, dropna=False)
    means = grouped[list(metrics)].mean()
    sds = grouped[list(metrics)].std().add_suffix("_sd")
    summary = means.join(sds)
    summary["n"] = grouped.size()
    organelles = summary.index.get_level_values("organelle")
    for metric in metrics:
        outside = np.array([metric not in metrics_for(o) for o in organelles])
        summary.loc[outside, [metric, f"{metric}_sd"]] = np.nan
    return summary.reset_index()
