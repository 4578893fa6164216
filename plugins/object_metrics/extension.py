"""The ``objects`` evaluation extension: ``i2i evaluate --objects`` and a recipe's
``evaluate.extensions.objects``.

Registered through the ``i2i_evaluation_extensions`` hook (:mod:`i2i.evaluate.extensions`):
the image pairs ``i2i evaluate`` scores (or a run's held-out fields) become one
:class:`~i2i_plugins.object_metrics.evaluation.FieldImages` per channel, evaluated by
:func:`~i2i_plugins.object_metrics.evaluation.evaluate_fields` and written under
``<evaluation>/objects/`` by :func:`~i2i_plugins.object_metrics.writing.write_object_report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from i2i_plugins.object_metrics.params import ObjectParams

if TYPE_CHECKING:
    from pydantic import BaseModel

    from i2i.evaluation_extensions import (
        EvaluationExtension,
        ExtensionInputs,
        ExtensionReport,
        ImagePair,
    )

REQUIRED_MODULES = ("scipy", "cp_measure", "copairs")
INSTALL = 'Install the objects extra: pip install "i2i-microscopy[objects]".'


def objects_extension() -> EvaluationExtension:
    """The :class:`i2i.evaluation_extensions.EvaluationExtension` record of ``objects``."""
    from i2i.evaluation_extensions import EvaluationExtension

    return EvaluationExtension(
        name="objects",
        description=(
            "Segmented nuclei (and cells grown from them) matched by IoU (F1), their "
            "CellProfiler measurements and per-field and per-well profiles compared "
            "(cp-measure, copairs)."
        ),
        params=ObjectParams,
        evaluate="i2i_plugins.object_metrics.extension:evaluate_objects_extension",
        requires=REQUIRED_MODULES,
        install=INSTALL,
        reads=frozenset({"labels", "predicted_labels", "conditions"}),
    )


def evaluate_objects_extension(
    images: Iterable[ImagePair], params: BaseModel, inputs: ExtensionInputs
) -> ExtensionReport:
    """Evaluate the objects of ``images``; write ``inputs.out_dir``; the report section."""
    from i2i.evaluation_extensions import ExtensionReport
    from i2i_plugins.object_metrics.evaluation import evaluate_fields
    from i2i_plugins.object_metrics.folders import fields_of, read_conditions
    from i2i_plugins.object_metrics.report import json_ready
    from i2i_plugins.object_metrics.writing import markdown, write_object_report

    assert isinstance(params, ObjectParams)  # validated by i2i against this extension's params
    conditions = read_conditions(inputs.conditions) if inputs.conditions is not None else None
    fields = fields_of(images, inputs.labels, inputs.predicted_labels, conditions, params.cells)
    report = evaluate_fields(fields, params)
    written = write_object_report(report, inputs.out_dir)
    figures = [path for path in written if path.suffix == ".png"]
    section = markdown(report, None, figures, inputs.report_dir)
    files_line = (
        f"Tables and every number: `{inputs.out_dir.relative_to(inputs.report_dir).as_posix()}/` "
        "(objects.json, objects_*.csv)."
    )
    return ExtensionReport(
        markdown=f"{section}\n{files_line}\n",
        numbers=cast("dict[str, object]", json_ready(report.to_dict())),
        files=tuple(written),
    )
