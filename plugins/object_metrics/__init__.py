"""Object-level evaluation of predicted stains: same nuclei, same measurements, same profiles.

Segments objects the same way in the real and the predicted stain (or reads label images),
matches them by IoU (precision, recall, F1, mean matched IoU, count error), measures the real
objects in both stains with cp-measure (CellProfiler's features) and compares per-feature
Spearman correlations, field-mean errors and per-field profiles (cosine similarity, copairs
mAP). Adds the command ``i2i evaluate-objects`` and the evaluation extension ``objects``
(``i2i evaluate --objects``, a recipe's ``evaluate.extensions.objects``); needs
``pip install "i2i-microscopy[objects]"``.
The Python entry points are :func:`i2i_plugins.object_metrics.evaluation.evaluate_fields` and
:func:`i2i_plugins.object_metrics.folders.evaluate_objects`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import i2i
from i2i.commands import PluginCommands
from i2i_plugins.object_metrics.params import ObjectParams, SegmentationParams

if TYPE_CHECKING:
    from i2i.evaluation_extensions import EvaluationExtension

__all__ = [
    "ObjectParams",
    "SegmentationParams",
    "i2i_add_cli_commands",
    "i2i_evaluation_extensions",
]


@i2i.hookimpl
def i2i_add_cli_commands(app: PluginCommands) -> None:
    from i2i_plugins.object_metrics.commands import evaluate_objects_command

    app.command("evaluate-objects")(evaluate_objects_command)


@i2i.hookimpl
def i2i_evaluation_extensions() -> list[EvaluationExtension]:
    from i2i_plugins.object_metrics.extension import objects_extension

    return [objects_extension()]
