"""Which metrics summarise each kind of target channel (from the ``i2i_metric_sets`` hook)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from i2i.evaluate.errors import EvaluationError
from i2i.plugins import default_host


def collect_metric_sets() -> dict[str, list[str]]:
    """Every plugin's metric sets, by lowercase organelle or study name."""
    sets: dict[str, list[str]] = {}
    for plugin_sets in default_host().manager.hook.i2i_metric_sets():
        for name, metrics in plugin_sets.items():
            key = name.lower()
            if key in sets and sets[key] != list(metrics):
                raise EvaluationError(
                    f"Two plugins define the metric set {name!r} differently: {sets[key]} and "
                    f"{list(metrics)}. Uninstall one of them (see 'i2i plugins')."
                )
            sets[key] = list(metrics)
    return sets


def metrics_for(
    organelle: object, sets: Mapping[str, Sequence[str]], all_metrics: Sequence[str]
) -> list[str]:
    """The metrics that summarise a channel of ``organelle`` (see :func:`summarising`).

    ``organelle`` is a name; anything else (``None``, the NaN of an empty table cell) has no set.
    """
    chosen = sets.get(organelle.lower()) if isinstance(organelle, str) else None
    return summarising(chosen, all_metrics)


def summarising(chosen: Sequence[str] | None, all_metrics: Sequence[str]) -> list[str]:
    """The scored metrics (``all_metrics``) that are in the set ``chosen``.

    All of them when there is no set, or when the set has none of them: a run that scores MAE
    only reports MAE for actin too, whose set (SSIM, PCC) it did not score.
    """
    kept = [name for name in all_metrics if chosen is None or name in chosen]
    return kept or list(all_metrics)


def resolve_metric_set(name: str, sets: Mapping[str, Sequence[str]]) -> list[str]:
    """The metric names of the set called ``name``; an unknown name lists the known sets."""
    try:
        return list(sets[name.lower()])
    except KeyError:
        known = ", ".join(sorted(sets)) or "none (no plugin provides metric sets)"
        raise EvaluationError(
            f"Unknown metric set {name!r}. Known metric sets: {known}. Leave --metric-set out "
            "to score each channel with its organelle's set."
        ) from None
