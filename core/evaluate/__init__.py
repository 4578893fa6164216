"""Scoring predictions against targets: per-image metrics, summaries, reports, model rankings.

``evaluate_folders`` scores a folder of predictions against a folder of targets;
:class:`Evaluator` scores in-memory batches (a training run's validation or test split);
``compare`` ranks several models like Table A.1 of Le & Lundberg. Results are records;
``write_report`` and ``write_ranking`` write them down. The metrics themselves are components
of the ``metrics`` registry (the first-party ``lmc_metrics`` plugin).
"""

from __future__ import annotations

from i2i.evaluate.compare import Comparison, compare
from i2i.evaluate.errors import EvaluationError
from i2i.evaluate.evaluator import Evaluator
from i2i.evaluate.folders import evaluate_folders
from i2i.evaluate.metric_sets import collect_metric_sets
from i2i.evaluate.report import write_ranking, write_report
from i2i.evaluate.result import EvaluationResult

__all__ = [
    "Comparison",
    "EvaluationError",
    "EvaluationResult",
    "Evaluator",
    "collect_metric_sets",
    "compare",
    "evaluate_folders",
    "write_ranking",
    "write_report",
]
