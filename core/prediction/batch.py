"""Prediction of many inputs, split across Accelerate processes, resumable.

Launched with ``accelerate launch`` or ``torchrun``, each process takes its contiguous share of
the job list (``accelerate.PartialState.split_between_processes``), predicts it on its own
device and writes its own outputs. Writers move a finished output into place atomically, so an
output that exists is complete: a re-run skips it and resumes where an interrupted job stopped.
Every process computes the same job list from its arguments, before anything is skipped, so the
shares agree however far each process has got.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from i2i.device import resolve_device
from i2i.errors import I2IError
from i2i.image import Writer
from i2i.naming import image_stem
from i2i.prediction.predictor import Predictor


class BatchError(I2IError):
    """The inputs or outputs of a batch prediction do not fit together."""


@dataclass(frozen=True)
class Job:
    """One prediction: an input, its output, and the key of the model that predicts it."""

    input: Path
    output: Path
    model: str = "model"


@dataclass
class BatchResult:
    """What this process did."""

    predicted: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def folder_jobs(inputs: list[Path], output_dir: Path, suffix: str) -> list[Job]:
    """One job per input, writing ``output_dir/<input stem><suffix>``; clashing names fail."""
    jobs = [Job(path, output_dir / f"{image_stem(path)}{suffix}") for path in inputs]
    seen: dict[Path, Path] = {}
    for job in jobs:
        if job.output in seen:
            raise BatchError(
                f"Inputs {seen[job.output]} and {job.input} would both be written to "
                f"{job.output}. Predict them into different output folders."
            )
        seen[job.output] = job.input
    return jobs


def run_jobs(
    jobs: list[Job],
    make_predictor: Callable[[str, torch.device], Predictor],
    *,
    device: str = "auto",
    writer: Writer | str | None = None,
    on_done: Callable[[Job, bool], None] | None = None,
) -> BatchResult:
    """Run this process's share of ``jobs``, skipping outputs that already exist.

    ``make_predictor(model_key, device)`` builds a predictor for this process's device, once
    per model key: the CPU when ``device`` resolves to it (:func:`i2i.device.resolve_device`;
    ``"auto"`` is CUDA, then MPS, else the CPU), otherwise this process's accelerator.
    ``on_done(job, skipped)`` is called after each job.
    """
    from accelerate import PartialState

    state = PartialState(cpu=resolve_device(device).type == "cpu")
    predictors: dict[str, Predictor] = {}
    result = BatchResult()
    with state.split_between_processes(jobs) as share:
        for job in share:
            skipped = job.output.exists()
            if skipped:
                result.skipped.append(job.output)
            else:
                if job.model not in predictors:
                    predictors[job.model] = make_predictor(job.model, state.device)
                job.output.parent.mkdir(parents=True, exist_ok=True)
                predictors[job.model].predict(job.input, out=job.output, writer=writer)
                result.predicted.append(job.output)
            if on_done is not None:
                on_done(job, skipped)
    state.wait_for_everyone()
    return result
