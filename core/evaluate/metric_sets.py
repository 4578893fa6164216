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
    organelle: str | None, sets: Mapping[str, Sequence[str]], all_metrics: Sequence[str]
) -> list[str]:
    """The metrics that summarise a channel of ``organelle`` (all of them when it has no set)."""
    chosen = sets.get((organelle or "").lower())
    if chosen is None:
        return list(all_metrics)
    return [name for name in all_metrics if name in chosen]


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
