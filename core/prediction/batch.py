"""Prediction of many inputs, split across Accelerate processes, resumable.

Launched with ``accelerate launch`` or ``torchrun``, each process takes its contiguous share of
the job list (``accelerate.PartialState.split_between_processes``), predicts it on its own
device and writes its own outputs. Writers move a finished output into place atomically, so an
output i2i wrote is complete: a re-run skips it and resumes where an interrupted job stopped.
An existing output is skipped only when it is verifiably complete (:func:`incomplete_reason`:
it opens with an installed reader and its last row reads); an empty, truncated or unreadable
one (another tool's partial copy, a ``touch``) is predicted again, and ``on_done`` says why.
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
from i2i.image import LIBRARY_ERRORS
from i2i.io import WriterSpec, open_image
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
    """What this process did; ``redone``: existing outputs that were incomplete, predicted again."""

    predicted: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    redone: dict[Path, str] = field(default_factory=dict)


def incomplete_reason(path: Path) -> str | None:
    """Why the existing output ``path`` is not complete, or ``None`` when it is.

    Complete means verified: an installed reader opens it and reads its last row of its last
    plane (a truncated file fails there). An i2i output always is, since writers are atomic.
    """
    if path.is_file() and path.stat().st_size == 0:
        return "an empty file (0 bytes)"
    if path.is_dir() and not any(path.iterdir()):
        return "an empty folder"
    try:
        with open_image(path) as image:
            size_t, _, size_z, size_y, _ = image.shape
            image.read(t=size_t - 1, z=size_z - 1, y=slice(size_y - 1, size_y))
    except (I2IError, *LIBRARY_ERRORS) as exc:
        return f"unreadable: {exc}"
    return None


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
    writer: WriterSpec = None,
    on_done: Callable[[Job, bool], None] | None = None,
    on_incomplete: Callable[[Job, str], None] | None = None,
    overwrite: bool = False,
) -> BatchResult:
    """Run this process's share of ``jobs``, skipping outputs that exist and are complete.

    ``make_predictor(model_key, device)`` builds a predictor for this process's device, once
    per model key: the CPU when ``device`` resolves to it (:func:`i2i.device.resolve_device`;
    ``"auto"`` is CUDA, then MPS, else the CPU), otherwise this process's accelerator.
    ``on_done(job, skipped)`` is called after each job; ``on_incomplete(job, reason)`` before
    an existing but incomplete output is predicted again. With ``overwrite`` every output is
    predicted again and replaced whatever is there.
    """
    from accelerate import PartialState

    state = PartialState(cpu=resolve_device(device).type == "cpu")
    predictors: dict[str, Predictor] = {}
    result = BatchResult()
    with state.split_between_processes(jobs) as share:
        for number, job in enumerate(share, start=1):
            exists = job.output.exists() and not overwrite
            reason = incomplete_reason(job.output) if exists else None
            skipped = exists and reason is None
            if skipped:
                result.skipped.append(job.output)
            else:
                if reason is not None:
                    result.redone[job.output] = reason
                    if on_incomplete is not None:
                        on_incomplete(job, reason)
                if job.model not in predictors:
                    predictors[job.model] = make_predictor(job.model, state.device)
                predictor = predictors[job.model]
                label = f"file {number}/{len(share)} {job.input.name}"
                predictor.predict(
                    job.input, out=job.output, writer=writer, overwrite=overwrite, label=label
                )
                result.predicted.append(job.output)
            if on_done is not None:
                on_done(job, skipped)
    state.wait_for_everyone()
    return result
