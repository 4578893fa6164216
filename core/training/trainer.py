"""The training loop on Hugging Face Accelerate: generator and discriminator steps, validation,
checkpoints, resume, and graceful stop on Ctrl-C / SIGTERM.

One optimizer step reads top to bottom in :meth:`Trainer.fit`:

1. generator step — prediction, pixel losses under the missing-target mask, quantizer loss,
   adversarial loss with the adaptive weight (VQGAN, Esser et al. 2021);
2. discriminator step — real targets against detached predictions (channels whose target is
   missing show the prediction on both sides, so they carry no signal);
3. bookkeeping — EMA, logging, validation, checkpoint, stop request.

The steps keep their logs as tensors on the device; only the logs of a logging step (every
``train.log_every`` steps, and the first) become Python floats, so the other steps never wait
for the GPU (:mod:`i2i.training.step_logs`).

With ``train.early_stopping``, each validation also counts towards the patience
(:mod:`i2i.training.early_stopping`); the run ends at the validation that exhausts it, with
the best weights already exported.

Validation and checkpoints come every ``train.validate_every`` / ``checkpoint_every`` steps, or
every ``validate_every_epochs`` / ``checkpoint_every_epochs`` epochs turned into steps (an epoch
is ``ceil(training batches per process / grad_accum)`` optimizer steps: Accelerate steps the
optimizer at the end of an epoch even with a partial accumulation).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from i2i.training import checkpoint as ckpt
from i2i.training.early_stopping import EarlyStopping
from i2i.training.ema import WeightEMA
from i2i.training.exports import WeightExports
from i2i.training.logbook import MetricsCSV
from i2i.training.optimizers import DISCRIMINATOR, GENERATOR, Optimizers
from i2i.training.panels import PanelCaption, input_plane_names, log_panel, panel_image, write_panel
from i2i.training.parts import training_data
from i2i.training.progress_report import ProgressReport, progress_report
from i2i.training.run_folder import RunFolder
from i2i.training.step_logs import Logs, logged_floats
from i2i.training.stopping import StopRequest

if TYPE_CHECKING:
    from accelerate import Accelerator

    from i2i.data.transforms import Sample
    from i2i.recipe.schema import RecipeBase
    from i2i.training.parts import RunParts


@dataclass
class TrainResult:
    """How a run ended. ``stopped_early``: interrupted (Ctrl-C, SIGTERM) before its end, so
    ``--resume`` continues it; a run ended by early stopping is finished. ``stop_reason`` says
    why it ended in words."""

    run: RunFolder
    steps: int
    best_value: float | None
    best_step: int | None
    seconds: float
    stopped_early: bool
    main_process: bool = True
    report: Path | None = None
    stop_reason: str = ""


class Trainer:
    """The training loop of one run, on the parts its recipe built (see the module docstring)."""

    def __init__(
        self, recipe: RecipeBase, run: RunFolder, accelerator: Accelerator, parts: RunParts
    ):
        """``parts`` holds what the recipe built: model, discriminator, losses, data, contract."""
        self.recipe = recipe
        self.config = recipe.train
        self.run = run
        self.accelerator = accelerator
        self.parts = parts
        self.progress = ckpt.Progress()
        self.ema = None
        if self.config.ema is not None:
            ema = self.config.ema
            self.ema = WeightEMA(parts.model, ema.decay, ema.start_step, ema.every)
        critic = parts.discriminator if parts.losses.adversarial is not None else None
        optimizers = Optimizers.build(self.config, parts.model, critic)
        prepared = accelerator.prepare(
            parts.model,
            parts.discriminator,
            optimizers.generator,
            optimizers.discriminator,
            parts.train_loader,
        )
        self.model, self.discriminator, generator, discriminator, self.train_loader = prepared
        self.optimizers = optimizers.prepared(generator, discriminator)
        self.exports = WeightExports(parts, self.config.best_metric, accelerator.is_main_process)
        self.validate_every = self._interval(
            self.config.validate_every, self.config.validate_every_epochs
        )
        self.checkpoint_every = self._interval(
            self.config.checkpoint_every, self.config.checkpoint_every_epochs
        )
        self.early_stopping = None
        if self.config.early_stopping is not None and self.config.best_metric is not None:
            self.early_stopping = EarlyStopping(
                self.config.early_stopping,
                self.config.best_metric,
                self.exports.higher_is_better,
            )
        self.early_stop_reason: str | None = None

    # ----------------------------------------------------------------- set-up
    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over the training data (module docstring)."""
        return max(1, math.ceil(len(self.train_loader) / self.config.grad_accum))

    def plan(self) -> str:
        """The run's plan in words, printed when it starts."""
        config, step = self.config, self.progress.step
        start = (
            f"resuming at step {step} of {config.max_steps}"
            if step
            else f"{config.max_steps} steps"
        )
        lines = [
            f"Run folder: {self.run.path}",
            f"Plan: {start}, validation every {self.validate_every} steps, a checkpoint every "
            f"{self.checkpoint_every}, losses logged every {config.log_every}.",
            f"An epoch is {self.steps_per_epoch} steps ({len(self.train_loader)} batches of "
            f"{training_data(self.recipe).batch_size} per process, "
            f"{self.accelerator.num_processes} process(es), grad_accum {config.grad_accum}).",
        ]
        if self.early_stopping is not None:
            stopping = self.early_stopping
            lines.append(
                f"Early stopping: after {stopping.patience} validation(s) in a row without a "
                f"gain of more than {stopping.min_delta:g} in {stopping.key}."
            )
        return "\n".join(lines)

    def _interval(self, steps: int | None, epochs: float | None) -> int:
        """A schedule in optimizer steps, from steps or from epochs (the recipe gives one)."""
        if steps is not None:
            return steps
        assert epochs is not None, "the recipe validation requires one of steps and epochs"
        return max(1, round(epochs * self.steps_per_epoch))

    def _modules(self) -> dict[str, nn.Module]:
        unwrap = self.accelerator.unwrap_model
        modules = {"model": unwrap(self.model)}
        if self.discriminator is not None:
            modules["discriminator"] = unwrap(self.discriminator)
        if self.ema is not None:
            modules["ema"] = self.ema.average
        return modules

    # ----------------------------------------------------------------- state
    def save_checkpoint(self) -> Path:
        accelerator, step = self.accelerator, self.progress.step
        staging = ckpt.staging_folder(self.run.checkpoints, step)
        if accelerator.is_main_process:
            states = self.optimizers.state_dict(accelerator.scaler)
            ckpt.write_main_state(staging, self._modules(), states, self.progress)
        accelerator.wait_for_everyone()
        ckpt.write_rank_state(staging, accelerator.process_index)
        accelerator.wait_for_everyone()
        final = self.run.checkpoints / ckpt.checkpoint_name(step)
        if accelerator.is_main_process:
            ckpt.publish(staging, self.run.checkpoints, step, self.config.keep_last)
        accelerator.wait_for_everyone()
        return final

    def resume_from(self, checkpoint: Path) -> None:
        states, self.progress = ckpt.load_checkpoint(
            checkpoint, self._modules(), self.accelerator.process_index
        )
        self.optimizers.load_state_dict(states, self.accelerator.scaler)

    # ----------------------------------------------------------------- steps
    def generator_step(self, batch: Sample) -> tuple[torch.Tensor, Logs]:
        losses, step = self.parts.losses, self.progress.step
        with self.accelerator.autocast():
            prediction, quantizer_loss, model_logs = self.model(batch["input"])
            prediction = prediction.float()
            reconstruction, entries = losses.reconstruction(
                prediction, batch["target"], batch["mask"]
            )
            logs: Logs = {**model_logs, **entries}
            total = reconstruction
            if quantizer_loss is not None:
                codebook, entries = losses.quantizer(quantizer_loss)
                total, logs = total + codebook, logs | entries
            if self._critic_trains(step):
                assert losses.adversarial is not None
                with _frozen(self.accelerator.unwrap_model(self.discriminator)) as critic:
                    fake_logits = critic(prediction)
                adversarial, entries = losses.adversarial.generator_loss(
                    reconstruction, fake_logits, self._last_layer(), step
                )
                total, logs = total + adversarial, logs | entries
        self.accelerator.backward(total)
        self._clip(self.model)
        self.optimizers.step(GENERATOR, self.accelerator.sync_gradients)
        return prediction.detach(), logs | {"train/loss": total.detach()}

    def discriminator_step(self, batch: Sample, prediction: torch.Tensor) -> Logs:
        assert self.discriminator is not None and self.parts.losses.adversarial is not None
        if not self._critic_trains(self.progress.step):
            return self._idle_critic_step()
        mask = batch["mask"][..., None, None] > 0  # (B, C, 1, 1)
        real = torch.where(mask, batch["target"], prediction)
        with self.accelerator.autocast():
            loss, logs = self.parts.losses.adversarial.discriminator_loss(
                self.discriminator(real), self.discriminator(prediction), self.progress.step
            )
        self.accelerator.backward(loss)
        self._clip(self.discriminator)
        self.optimizers.step(DISCRIMINATOR, self.accelerator.sync_gradients)
        return logs

    def _critic_trains(self, step: int) -> bool:
        """Whether the critic runs at ``step``: an adversarial loss past its warm-up (before
        ``disc_start`` both of its sides are zero, so computing them would be wasted)."""
        adversarial = self.parts.losses.adversarial
        return (
            adversarial is not None
            and self.optimizers.discriminator is not None
            and adversarial.active(step)
        )

    def _idle_critic_step(self) -> Logs:
        """The warm-up's critic step without computing its zero loss: the optimizer steps on
        zero gradients, as it did on the zeroed loss, so Adam's step count and AdamW's weight
        decay are those of taming's warm-up and the weights after ``disc_start`` are the same."""
        assert self.discriminator is not None
        for parameter in self.discriminator.parameters():
            parameter.grad = torch.zeros_like(parameter)
        self.optimizers.step(DISCRIMINATOR, self.accelerator.sync_gradients)
        return {}

    def _last_layer(self) -> torch.Tensor:
        return self.accelerator.unwrap_model(self.model).last_layer_weight()

    def _clip(self, module: nn.Module) -> None:
        if self.config.grad_clip is not None:
            self.accelerator.clip_grad_norm_(module.parameters(), self.config.grad_clip)

    # ----------------------------------------------------------------- loop
    def fit(self, stop: StopRequest, log: MetricsCSV | None) -> TrainResult:
        """Train to ``train.max_steps`` (or a stop request); ``log`` is the main process's CSV."""
        config, accelerator, progress = self.config, self.accelerator, self.progress
        started = time.perf_counter()
        accelerator.print(self.plan(), flush=True)
        bar = _progress_report(accelerator, progress.step, config.max_steps)
        while not self._ending(stop):
            self.train_loader.set_epoch(progress.epoch)
            if hasattr(self.train_loader.dataset, "set_epoch"):
                self.train_loader.dataset.set_epoch(progress.epoch)
            batches = (  # the loader itself, so its persistent workers carry on
                self.train_loader
                if progress.batch_in_epoch == 0
                else accelerator.skip_first_batches(self.train_loader, progress.batch_in_epoch)
            )
            for batch in batches:
                self.model.train()
                with accelerator.accumulate(*self._trained_modules()):
                    prediction, logs = self.generator_step(batch)
                    if self.optimizers.discriminator is not None:
                        logs |= self.discriminator_step(batch, prediction)
                progress.batch_in_epoch += 1
                if not accelerator.sync_gradients:
                    continue
                self._update_ema()
                progress.step += 1
                self._after_step(logs, log, bar)
                if self._ending(stop):
                    break
            else:
                progress.epoch += 1
                progress.batch_in_epoch = 0
        if bar is not None:
            bar.close()
        stopped_early = progress.step < config.max_steps and self.early_stop_reason is None
        if progress.step >= config.max_steps and progress.step % self.validate_every != 0:
            self._validate(log)
        self.save_checkpoint()
        self.exports.save(self.run.last_weights, self._exported_model(), progress.step)
        return TrainResult(
            self.run,
            progress.step,
            progress.best_value,
            progress.best_step,
            time.perf_counter() - started,
            stopped_early,
            accelerator.is_main_process,
            stop_reason=self._stop_reason(stop),
        )

    def _ending(self, stop: StopRequest) -> bool:
        """Whether the loop ends now: max_steps, a stop request or early stopping."""
        return (
            self.progress.step >= self.config.max_steps
            or stop.requested
            or self.early_stop_reason is not None
        )

    def _stop_reason(self, stop: StopRequest) -> str:
        if self.progress.step >= self.config.max_steps:
            return f"reached train.max_steps ({self.config.max_steps})"
        if self.early_stop_reason is not None:
            return self.early_stop_reason
        return f"{stop.signal_name or 'a stop request'} received"

    def _trained_modules(self) -> list[nn.Module]:
        return [m for m in (self.model, self.discriminator) if m is not None]

    def _update_ema(self) -> None:
        if self.ema is not None:
            self.ema.step(self.accelerator.unwrap_model(self.model), self.progress.step)

    def _after_step(self, logs: Logs, log: MetricsCSV | None, bar: ProgressReport | None) -> None:
        """Log (the only conversion of ``logs`` to floats), validate and checkpoint on schedule."""
        config, step = self.config, self.progress.step
        loss = None
        if step % config.log_every == 0 or step == 1:
            floats = logged_floats(logs, self.accelerator)
            values = {k if "/" in k else f"train/{k}": v for k, v in floats.items()}
            values["train/lr"] = self.optimizers.learning_rate()
            self._log(values, log)
            loss = values["train/loss"]
        if bar is not None:
            bar.advance(step, loss)
        if step % self.validate_every == 0:
            self._validate(log)
        if step % self.checkpoint_every == 0:
            self.save_checkpoint()

    def _log(self, values: dict[str, float], log: MetricsCSV | None) -> None:
        """Into metrics.csv and every tracker of ``train.trackers``."""
        if log is not None:
            log.log(self.progress.step, values)
        self.accelerator.log(values, step=self.progress.step)

    # ----------------------------------------------------------------- validation
    @torch.no_grad()
    def _validate(self, log: MetricsCSV | None) -> dict[str, float]:
        from i2i.training.validation import validate

        model = self.ema.average if self.ema is not None else self.model
        values, panel = validate(
            model,
            self.parts.val_loader,
            self.parts.evaluator_factory,
            self.accelerator,
            self.parts.recipe.predict,
            multiple_of=self.parts.contract.size_multiple,
        )
        if values:
            self._log(values, log)
            if self.accelerator.is_main_process and panel is not None:
                self._write_panel(panel, values)
            if self.exports.improves(values, self.progress):
                self.exports.save(self.run.best_weights, self._exported_model(), self.progress.step)
        self._count_towards_early_stopping(values)
        return values

    def _write_panel(
        self, panel: tuple[torch.Tensor, torch.Tensor, torch.Tensor], values: dict[str, float]
    ) -> None:
        """``samples/step_N.png`` and the same panel in TensorBoard (:mod:`.panels`)."""
        step, contract = self.progress.step, self.parts.contract
        best = f"val/{self.config.best_metric}"
        caption = PanelCaption(
            step=step,
            input_names=input_plane_names(contract, panel[0].shape[1]),
            output_names=contract.output_channels,
            metrics={best: values[best]} if best in values else values,
        )
        image = panel_image(*panel, caption)
        write_panel(self.run.samples / f"step_{step:08d}.png", image)
        log_panel(self.accelerator, image, step)

    def _count_towards_early_stopping(self, values: dict[str, float]) -> None:
        """Record a validation for ``train.early_stopping`` (decided on the main process,
        which alone validates, and broadcast to the others)."""
        if self.early_stopping is None:
            return
        stop = self.early_stopping.should_stop(values, self.progress)
        if self.accelerator.num_processes > 1:
            from accelerate.utils import broadcast_object_list

            stop = bool(broadcast_object_list([stop])[0])
        if stop:
            self.early_stop_reason = self.early_stopping.reason(self.progress)
            self.accelerator.print(
                f"\nStopping at step {self.progress.step}: {self.early_stop_reason}.", flush=True
            )

    def _exported_model(self) -> nn.Module:
        """What validation scores and exports save: the EMA when there is one, else the model."""
        if self.ema is not None:
            return self.ema.average
        return self.accelerator.unwrap_model(self.model)

    def close(self) -> None:
        """Free everything before the process group ends (see docs/training.md, exit crash)."""
        self.accelerator.wait_for_everyone()
        del self.model, self.discriminator, self.optimizers, self.train_loader
        self.accelerator.free_memory()
        gc.collect()
        self.accelerator.end_training()


@contextmanager
def _frozen(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` with gradients off for its parameters (they still flow to its inputs)."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield module
    finally:
        for parameter, flag in zip(module.parameters(), flags, strict=True):
            parameter.requires_grad_(flag)


def _progress_report(accelerator: Accelerator, start: int, total: int) -> ProgressReport | None:
    """The main process's progress bar or progress lines (:mod:`i2i.training.progress_report`)."""
    if not accelerator.is_main_process:
        return None
    return progress_report(start, total)
