"""``i2i.train(recipe)``: validate, build, train, and summarise one run."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from i2i.atomic import write_text_atomic
from i2i.device import DeviceError, resolve_device
from i2i.errors import I2IError
from i2i.training.resume import resumed_recipe
from i2i.training.run_folder import (
    RunFolder,
    new_run_folder,
    remove_unused_run_folder,
    resolve_resume,
)

if TYPE_CHECKING:
    from accelerate import Accelerator

    from i2i.recipe.schema import RecipeBase
    from i2i.recipe.sections import TrainConfig
    from i2i.training.logbook import MetricsCSV
    from i2i.training.trainer import Trainer, TrainResult

TRAINING_DEVICES = ("auto", "cpu", "cuda")


def train(
    recipe: RecipeBase | str | Path,
    overrides: Iterable[str] = (),
    *,
    resume: str | Path | bool | None = None,
    runs_root: str | Path | None = None,
    device: str = "auto",
) -> TrainResult:
    """Train the recipe (a path, a bundled name or a loaded recipe); return a ``TrainResult``.

    ``resume``: ``True``/``"latest"`` continues the latest run of this recipe, a path continues
    that run folder; ``None`` starts a new run. A resumed run uses the run's own
    ``recipe.yaml``, and ``overrides`` (or a loaded recipe's differences from it) may change
    only the keys of :data:`i2i.training.resume.SAFE_ON_RESUME`. ``device``: ``auto``, ``cpu``
    or ``cuda``.
    """
    from accelerate.utils import set_seed

    from i2i.data.workers import explain_worker_deaths
    from i2i.recipe import load_recipe
    from i2i.training.stopping import stop_on_signals
    from i2i.training.summary import write_summary

    given_overrides = None
    if isinstance(recipe, (str, Path)):
        given_overrides = list(overrides)
        recipe = load_recipe(recipe, given_overrides)
    cpu = trains_on_cpu(device)
    check_precision(recipe.train, cpu)
    run = _choose_run_folder(recipe, resume, Path(runs_root or recipe.train.runs_root), cpu)
    try:
        if resume:
            recipe = resumed_recipe(run, recipe, given_overrides)
        accelerator = make_accelerator(recipe.train, cpu, run)
    except BaseException:
        _discard_new_run(run, resume, is_main_process=_is_main_process(cpu))
        raise
    set_seed(recipe.train.seed)
    trainer, log = _set_up(recipe, run, accelerator, resume)
    with explain_worker_deaths():  # the loaders' workers run from here to the evaluation
        with stop_on_signals() as stop:
            result = trainer.fit(stop, log)
        trainer.close()
        if recipe.evaluate is not None and not result.stopped_early and accelerator.is_main_process:
            from i2i.training.final_evaluation import evaluate_best

            result.report = evaluate_best(run, trainer.parts, accelerator.device)
    if accelerator.is_main_process:
        write_summary(result, recipe, given_overrides if resume else None)
    return result


def _set_up(
    recipe: RecipeBase, run: RunFolder, accelerator: Accelerator, resume: object
) -> tuple[Trainer, MetricsCSV | None]:
    """The run folder's files, the parts of the run and its trainer (restored on resume).

    A new run that fails here (a missing dataset, an invalid input contract, a tracker that
    cannot log...) never trained: its folder is removed, so it leaves nothing behind.
    """
    from i2i.training.checkpoint import list_checkpoints
    from i2i.training.logbook import MetricsCSV
    from i2i.training.parts import build_parts
    from i2i.training.trainer import Trainer

    try:
        if accelerator.is_main_process:
            run.create()
            if not resume:
                write_text_atomic(run.recipe, recipe.resolved_yaml())
        accelerator.wait_for_everyone()
        parts = build_parts(
            recipe, run, recipe.train.seed, accelerator.device, resuming=bool(resume)
        )
        trainer = Trainer(recipe, run, accelerator, parts)
        if resume:
            trainer.resume_from(list_checkpoints(run.checkpoints)[-1])
        log = (
            MetricsCSV(run.metrics, resume_step=trainer.progress.step)
            if accelerator.is_main_process
            else None
        )
        accelerator.init_trackers(recipe.name)
    except BaseException:
        _discard_new_run(run, resume, accelerator.is_main_process)
        raise
    return trainer, log


def _discard_new_run(run: RunFolder, resume: object, is_main_process: bool) -> None:
    """Remove the folder of a new run that failed before training (never a resumed one)."""
    if not resume and is_main_process:
        remove_unused_run_folder(run)


def check_precision(config: TrainConfig, cpu: bool) -> None:
    """``train.mixed_precision: fp16`` needs a GPU: on the CPU, autocast does not run in fp16
    (Accelerate trains in fp32 without a word, bit for bit as ``no``), so it is refused."""
    if cpu and config.mixed_precision == "fp16":
        raise I2IError(
            "train.mixed_precision=fp16 does not work on the CPU (autocast on the CPU has no "
            "fp16; the run would silently train in fp32). On the CPU use "
            "train.mixed_precision=bf16 (fast on CPUs with AVX-512 bf16 or AMX) or no; fp16 is "
            "for CUDA GPUs (--device cuda)."
        )


def _is_main_process(cpu: bool) -> bool:
    from accelerate import PartialState

    return bool(PartialState(cpu=cpu).is_main_process)


def trains_on_cpu(device: str) -> bool:
    """Whether Accelerate should run on the CPU for ``--device`` ``device``.

    Training runs on ``cuda`` (Accelerate gives each process its own GPU) or ``cpu``;
    ``auto`` is CUDA when :func:`i2i.device.resolve_device` finds it, else the CPU (Apple MPS,
    which the resolver would pick for prediction, is not used for training).
    """
    if device not in TRAINING_DEVICES:
        raise DeviceError(
            f"--device {device!r}: training runs on auto, cpu or cuda (Accelerate places each "
            "process on its own GPU; choose the GPUs with CUDA_VISIBLE_DEVICES). Use one of them."
        )
    return resolve_device(device).type != "cuda"


def make_accelerator(config: TrainConfig, cpu: bool, run: RunFolder) -> Accelerator:
    """The Accelerator of a run (several processes when launched by torchrun/accelerate),
    logging to the trackers of ``train.trackers``."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration

    from i2i.training.logbook import trackers_to_log_with

    trackers = trackers_to_log_with(config.trackers, run.path)
    return Accelerator(
        cpu=cpu,
        mixed_precision=config.mixed_precision,
        gradient_accumulation_steps=config.grad_accum,
        # pinned batches (loaders.py) copy to the GPU without blocking the host
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True, non_blocking=True),
        log_with=trackers or None,  # None: no tracker ([] would warn of missing packages)
        project_config=ProjectConfiguration(project_dir=str(run.path), logging_dir=str(run.path)),
    )


def _choose_run_folder(
    recipe: RecipeBase, resume: str | Path | bool | None, runs_root: Path, cpu: bool
) -> RunFolder:
    """The main process picks the folder (new or resumed) and tells the others."""
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    state = PartialState(cpu=cpu)
    chosen: list[str | None] = [None]
    folder = None
    if state.is_main_process:
        if resume:
            folder = resolve_resume(resume, runs_root, recipe.name)
        else:
            folder = new_run_folder(runs_root, recipe.name)
        chosen[0] = str(folder.path)
    broadcast_object_list(chosen)
    return folder or RunFolder(Path(str(chosen[0])))
