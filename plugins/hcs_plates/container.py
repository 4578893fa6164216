"""A plate as an :class:`i2i.containers.ImageContainer`: ``i2i info``, ``i2i predict`` and
``i2i evaluate`` given a plate (found by the ``i2i_open_container`` hook) do their work here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2i.containers import (
    ContainerEvaluated,
    ContainerEvaluation,
    ContainerPredicted,
    ContainerPrediction,
)
from i2i_plugins.hcs_plates.errors import PlateError
from i2i_plugins.hcs_plates.metadata import Plate


@dataclass
class PlateContainer:
    """An HCS OME-Zarr plate read from its metadata (fields are read when needed)."""

    plate: Plate
    kind: str = "HCS plate"

    @property
    def path(self) -> Path:
        return self.plate.path

    def describe(self) -> dict[str, Any]:
        from i2i_plugins.hcs_plates.summary import describe_plate

        return {"kind": self.kind, **describe_plate(self.plate)}

    def summary(self) -> str:
        from i2i_plugins.hcs_plates.summary import describe_plate, format_plate

        return format_plate(describe_plate(self.plate))

    def predict(
        self,
        request: ContainerPrediction,
        on_done: Callable[[Path, bool], None],
        on_incomplete: Callable[[Path, str], None],
    ) -> ContainerPredicted:
        from i2i_plugins.hcs_plates.prediction import predict_plate

        if request.overwrite:
            raise PlateError(
                f"{self.path}: --overwrite does not apply to a plate: a written field is never "
                "written again (a re-run resumes). To predict a plate anew, give another output "
                "plate or delete the old one."
            )
        run = predict_plate(
            self.path,
            request.out,
            request.model,
            shard=request.shard,
            device=request.device,
            zarr_format=request.zarr_format,
            writer_options=request.writer_options,
            on_done=lambda job, skipped: on_done(job.output, skipped),
            on_incomplete=lambda job, reason: on_incomplete(job.output, reason),
            **request.predictor_options,
        )
        return ContainerPredicted(
            output=self.path if request.out is None else Path(request.out),
            unit="field",
            predicted=len(run.result.predicted),
            skipped=len(run.result.skipped),
            total=run.fields,
            complete=run.complete,
        )

    def evaluate(self, request: ContainerEvaluation) -> ContainerEvaluated:
        from i2i_plugins.hcs_plates.evaluation import evaluate_plate

        result, report = evaluate_plate(
            self.path,
            request.target,
            request.out,
            metrics=request.metrics,
            metric_set=request.metric_set,
            normalize=request.normalize,
            device=request.device,
        )
        summary = result.summary() if len(result.per_image) else None
        records = [] if summary is None else summary.to_dict("records")
        return ContainerEvaluated(report, len(result.per_image), records)
