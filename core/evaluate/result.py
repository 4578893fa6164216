"""The outcome of an evaluation: a record of the per-image table and what summarises it.

The record does no writing: :func:`i2i.evaluate.report.write_report` turns it into a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from i2i.evaluate.aggregate import add_z_deviation, grouped_means
from i2i.evaluate.metric_sets import metrics_for, resolve_metric_set, summarising
from i2i.evaluate.panels import Panel

if TYPE_CHECKING:
    import pandas as pd

GROUPINGS = ("modality", "study", "z_deviation")
"""Columns the report summarises by (each together with the organelle) when present."""


@dataclass
class EvaluationResult:
    """Per-image, per-channel metric values with what is needed to summarise and report them."""

    per_image: pd.DataFrame
    """One row per image and target channel: ``image, channel``, the metrics, then metadata."""
    metrics: list[str]
    higher_is_better: dict[str, bool]
    metric_sets: dict[str, list[str]]
    metric_set: str | None = None
    normalize: str = "challenge"
    panels: dict[int, Panel] = field(default_factory=dict)
    """Display panels by row of ``per_image``."""
    skipped: list[str] = field(default_factory=list)
    """Predictions not scored: their field has targets, but none for the predicted channel."""

    def metrics_for(self, organelle: object) -> list[str]:
        """The scored metrics that summarise ``organelle`` (those of its set, or of
        ``metric_set``); all of them without a set or when the set has none of them."""
        if self.metric_set is not None:
            chosen = resolve_metric_set(self.metric_set, self.metric_sets)
            return summarising(chosen, self.metrics)
        return metrics_for(organelle, self.metric_sets, self.metrics)

    def with_best_z(self, best_z: pd.DataFrame) -> EvaluationResult:
        """A copy with ``best_z`` and ``z_deviation`` columns from a best-focus table (read one
        with :func:`i2i.evaluate.aggregate.read_best_z`)."""
        return replace(self, per_image=add_z_deviation(self.per_image, best_z))

    def summary(self, by: str | None = None) -> pd.DataFrame:
        """Mean, sd and count per organelle (and per ``by``: modality, study, z_deviation)."""
        return grouped_means(self.per_image, self.metrics, [by] if by else [], self.metrics_for)

    def groupings(self) -> list[str]:
        """The grouping columns this table has values for."""
        table = self.per_image
        return [g for g in GROUPINGS if g in table.columns and table[g].notna().any()]
