"""Ranking several models like Table A.1 of Le & Lundberg (2024).

For each organelle and each metric of its set, the models are ranked by their mean over the
images (1 = best; ties share the better position); a model's average position is the mean of
its positions over every (organelle, metric) column, and the final rank orders models by it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i2i.evaluate.errors import EvaluationError
from i2i.evaluate.folders import evaluate_folders
from i2i.evaluate.report import markdown_table

if TYPE_CHECKING:
    import pandas as pd

    from i2i.evaluate.result import EvaluationResult


@dataclass
class Comparison:
    """Mean metrics and positions of several models."""

    means: pd.DataFrame
    """Rows: models; columns: ``<organelle>/<metric>`` means."""
    positions: pd.DataFrame
    """Rows: models sorted by rank; columns: positions, ``average position``, ``rank``."""
    higher_is_better: dict[str, bool]

    def write(self, out_dir: str | Path) -> Path:
        """Write ``means.csv``, ``ranking.csv`` and ``ranking.md``; return the markdown path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.means.to_csv(out / "means.csv", index_label="model")
        self.positions.to_csv(out / "ranking.csv", index_label="model")
        lines = ["# Model comparison", "", "## Positions (1 = best)", ""]
        lines += [_table(self.positions, "{:.2f}"), "", "## Mean metrics", ""]
        arrows = [
            f"{c} {'↑' if self.higher_is_better[c.split('/')[-1]] else '↓'}" for c in self.means
        ]
        lines += [_table(self.means.set_axis(arrows, axis=1), "{:.4g}"), ""]
        (out / "ranking.md").write_text("\n".join(lines))
        return out / "ranking.md"


def _table(frame: pd.DataFrame, number: str) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float) and math.isnan(value):
            return "—"
        if isinstance(value, float) and not value.is_integer():
            return number.format(value)
        return str(int(value)) if isinstance(value, float) else str(value)

    rows = [[name, *map(cell, values)] for name, values in frame.astype(object).iterrows()]
    return markdown_table(["model", *frame.columns], rows)


def rank(results: dict[str, EvaluationResult]) -> Comparison:
    """Rank models from their evaluation results (one per model name)."""
    import pandas as pd

    columns: dict[str, dict[str, float]] = {}
    directions: dict[str, bool] = {}
    for model, result in results.items():
        directions |= result.higher_is_better
        summary = result.summary()
        for record in summary.to_dict("records"):
            for metric in result.metrics_for(str(record["organelle"])):
                columns.setdefault(f"{record['organelle']}/{metric}", {})[model] = record[metric]
    means = pd.DataFrame(columns).reindex(list(results))
    positions = pd.DataFrame(
        {
            column: means[column].rank(
                ascending=not directions[column.split("/")[-1]], method="min"
            )
            for column in means.columns
        }
    )
    positions["average position"] = positions.mean(axis=1)
    positions["rank"] = positions["average position"].rank(method="min").astype(int)
    order = positions.sort_values("rank").index
    return Comparison(means.loc[order], positions.loc[order], directions)


def compare(
    sources: Sequence[str | Path],
    *,
    target_dir: str | Path | None = None,
    names: Sequence[str] | None = None,
    **evaluate_options: Any,
) -> Comparison:
    """Rank models given as evaluation folders (with ``per_image.csv``) or prediction folders.

    Prediction folders are scored against ``target_dir`` with ``evaluate_options`` (see
    :func:`i2i.evaluate.evaluate_folders`). Model names default to the folder names.
    """
    if len(sources) < 2:
        raise EvaluationError(f"Comparing needs at least two models; got {len(sources)}.")
    labels = list(names) if names is not None else [Path(s).name for s in sources]
    if len(set(labels)) != len(labels):
        raise EvaluationError(
            f"Model names must be distinct; got {', '.join(labels)}. Give names (--name) or "
            "folders with different names."
        )
    results = {
        label: _load_or_evaluate(Path(source), target_dir, evaluate_options)
        for label, source in zip(labels, sources, strict=True)
    }
    return rank(results)


def _load_or_evaluate(
    source: Path, target_dir: str | Path | None, options: dict[str, Any]
) -> EvaluationResult:
    if (source / "per_image.csv").is_file():
        return load_result(source / "per_image.csv", metric_set=options.get("metric_set"))
    if target_dir is None:
        raise EvaluationError(
            f"{source} has no per_image.csv (it is not an 'i2i evaluate' output folder), so it is "
            "taken as a prediction folder and needs --target DIR to be scored."
        )
    return evaluate_folders(source, target_dir, panel_size=0, **options)


def load_result(path: Path, metric_set: str | None = None) -> EvaluationResult:
    """An :class:`EvaluationResult` (without panels) read back from a ``per_image.csv``."""
    import pandas as pd

    from i2i.evaluate.evaluator import default_metrics
    from i2i.evaluate.metric_sets import collect_metric_sets
    from i2i.evaluate.result import EvaluationResult
    from i2i.plugins import get_registries

    table = pd.read_csv(path)
    registry = get_registries().metrics
    metrics = default_metrics([c for c in table.columns if c in registry])
    directions = {m: bool(registry.create({"name": m}).higher_is_better) for m in metrics}
    return EvaluationResult(table, metrics, directions, collect_metric_sets(), metric_set)
