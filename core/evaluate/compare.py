"""Ranking several models like Table A.1 of Le & Lundberg (2024).

For each organelle and each metric of its set, the models are ranked by their mean over the
images (1 = best; ties share the better position); a model's average position is the mean of
its positions over every (organelle, metric) column, and the final rank orders models by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from i2i.evaluate.errors import EvaluationError
from i2i.evaluate.folders import evaluate_folders

if TYPE_CHECKING:
    from typing import Unpack

    import pandas as pd

    from i2i.evaluate.result import EvaluationResult


class ScoringOptions(TypedDict, total=False):
    """How prediction folders are scored: the options of :func:`i2i.evaluate.evaluate_folders`
    (panels are not drawn for a ranking)."""

    input_dir: str | Path | None
    best_z: str | Path | pd.DataFrame | None
    meta: str | Path | None
    metrics: list[str] | None
    metric_set: str | None
    normalize: str
    device: str


@dataclass
class Comparison:
    """Mean metrics and positions of several models (written by
    :func:`i2i.evaluate.report.write_ranking`)."""

    means: pd.DataFrame
    """Rows: models; columns: ``<organelle>/<metric>`` means."""
    positions: pd.DataFrame
    """Rows: models sorted by rank; columns: positions, ``average position``, ``rank``."""
    higher_is_better: dict[str, bool]


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
    **evaluate_options: Unpack[ScoringOptions],
) -> Comparison:
    """Rank models given as evaluation folders (with ``per_image.csv``) or prediction folders.

    Prediction folders are scored against ``target_dir`` with ``evaluate_options`` (see
    :func:`i2i.evaluate.evaluate_folders`). Model names default to the folder names.
    """
    if len(sources) < 2:
        raise EvaluationError(f"Comparing needs at least two models; got {len(sources)}.")
    labels = list(names) if names is not None else [Path(s).name for s in sources]
    if len(labels) != len(sources):
        raise EvaluationError(
            f"{len(labels)} model name(s) ({', '.join(labels)}) for {len(sources)} folders; give "
            "one --name per folder, in the same order, or none (the folder names)."
        )
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
    source: Path, target_dir: str | Path | None, options: ScoringOptions
) -> EvaluationResult:
    if (source / "per_image.csv").is_file():
        loaded = load_result(source / "per_image.csv", metric_set=options.get("metric_set"))
        return _apply_to_loaded(source, loaded, options)
    if target_dir is None:
        raise EvaluationError(
            f"{source} has no per_image.csv (it is not an 'i2i evaluate' output folder), so it is "
            "taken as a prediction folder and needs --target DIR to be scored."
        )
    return evaluate_folders(source, target_dir, panel_size=0, **options)


def _apply_to_loaded(
    source: Path, result: EvaluationResult, options: ScoringOptions
) -> EvaluationResult:
    """The scoring options that apply to an evaluation output read back (metrics, best_z);
    an error for those that only apply when scoring images (so none is silently ignored)."""
    from dataclasses import replace

    from i2i.evaluate.aggregate import read_best_z

    unusable = [key for key in ("meta", "input_dir") if options.get(key) is not None]
    if unusable:
        raise EvaluationError(
            f"{source} is an 'i2i evaluate' output (per_image.csv): {', '.join(unusable)} "
            "apply only when scoring prediction folders. Compare prediction folders with "
            "--target, or leave those options out."
        )
    wanted = options.get("metrics")
    if wanted:
        missing = [m for m in wanted if m not in result.metrics]
        if missing:
            raise EvaluationError(
                f"{source}/per_image.csv has no {', '.join(missing)} column(s); it scored "
                f"{', '.join(result.metrics)}. Compare those metrics, or score the predictions "
                "again with the metrics wanted."
            )
        result = replace(result, metrics=[m for m in result.metrics if m in wanted])
    best_z = options.get("best_z")
    if best_z is not None:
        table = best_z if not isinstance(best_z, str | Path) else read_best_z(best_z)
        result = result.with_best_z(table)
    return result


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
