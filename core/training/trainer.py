"""The training loop on Hugging Face Accelerate: generator and discriminator steps, validation,
checkpoints, resume, and graceful stop on Ctrl-C / SIGTERM.

One optimizer step reads top to bottom in :meth:`Trainer.fit`:

1. generator step — prediction, pixel losses under the missing-target mask, quantizer loss,
   adversarial loss with the adaptive weight (VQGAN, Esser et al. 2021);
2. discriminator step — real targets against detached predictions (channels whose target is
   missing show the prediction on both sides, so they carry no signal);
3. bookkeeping — EMA, logging, validation, checkpoint, stop request.

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
from typing import Any

import torch
from torch import nn

from i2i.training import checkpoint as ckpt
from i2i.training.ema import WeightEMA
from i2i.training.logbook import MetricsCSV
from i2i.training.panels import panel_image, write_panel
from i2i.training.run_folder import RunFolder
from i2i.training.schedule import lr_factor
from i2i.training.stopping import StopRequest


@dataclass
class TrainResult:
    run: RunFolder
    steps: int
    best_value: float | None
    best_step: int | None
    seconds: float
    stopped_early: bool
    main_process: bool = True
    report: Path | None = None


class Trainer:
    def __init__(self, recipe: Any, run: RunFolder, accelerator: Any, parts: Any):
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
        self._setup_optimizers()
        self.validate_every = self._interval(
            self.config.validate_every, self.config.validate_every_epochs
        )
        self.checkpoint_every = self._interval(
            self.config.checkpoint_every, self.config.checkpoint_every_epochs
        )

    # ----------------------------------------------------------------- set-up
    def _setup_optimizers(self) -> None:
        config, parts = self.config, self.parts
        optimizer_class = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
        kwargs = {"betas": tuple(config.betas), "weight_decay": config.weight_decay}
        self.optimizer_g = optimizer_class(parts.model.parameters(), lr=config.lr, **kwargs)
        self.optimizers = {"generator": self.optimizer_g}
        self.optimizer_d = None
        if parts.discriminator is not None and parts.losses.adversarial is not None:
            lr_d = config.discriminator_lr or config.lr
            self.optimizer_d = optimizer_class(parts.discriminator.parameters(), lr=lr_d, **kwargs)
            self.optimizers["discriminator"] = self.optimizer_d
        schedule = config.scheduler
        self.schedulers = {
            name: torch.optim.lr_scheduler.LambdaLR(
                optimizer,
                lr_factor(
                    schedule.name,
                    schedule.warmup_steps,
                    config.max_steps,
                    optimizer.param_groups[0]["lr"],
                    schedule.min_lr,
                ),
            )
            for name, optimizer in self.optimizers.items()
        }
        prepared = self.accelerator.prepare(
            parts.model,
            parts.discriminator,
            self.optimizer_g,
            self.optimizer_d,
            parts.train_loader,
        )
        (self.model, self.discriminator, self.optimizer_g, self.optimizer_d, self.train_loader) = (
            prepared
        )
        self.optimizers = {"generator": self.optimizer_g}
        if self.optimizer_d is not None:
            self.optimizers["discriminator"] = self.optimizer_d

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over the training data (module docstring)."""
        return max(1, math.ceil(len(self.train_loader) / self.config.grad_accum))

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
            ckpt.write_main_state(staging, self._modules(), self._optim_states(), self.progress)
        accelerator.wait_for_everyone()
        ckpt.write_rank_state(staging, accelerator.process_index)
        accelerator.wait_for_everyone()
        final = self.run.checkpoints / ckpt.checkpoint_name(step)
        if accelerator.is_main_process:
            ckpt.publish(staging, self.run.checkpoints, step, self.config.keep_last)
        accelerator.wait_for_everyone()
        return final

    def _optim_states(self) -> dict[str, Any]:
        states: dict[str, Any] = {
            "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
            "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
        }
        scaler = getattr(self.accelerator, "scaler", None)
        if scaler is not None:
            states["scaler"] = scaler.state_dict()
        return states

    def resume_from(self, checkpoint: Path) -> None:
        optim_states, self.progress = ckpt.load_checkpoint(
            checkpoint, self._modules(), self.accelerator.process_index
        )
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(optim_states["optimizers"][name])
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(optim_states["schedulers"][name])
        scaler = getattr(self.accelerator, "scaler", None)
        if scaler is not None and "scaler" in optim_states:
            scaler.load_state_dict(optim_states["scaler"])

    # ----------------------------------------------------------------- steps
    def generator_step(self, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, float]]:
        losses, step = self.parts.losses, self.progress.step
        with self.accelerator.autocast():
            prediction, quantizer_loss, logs = self.model(batch["input"])
            prediction = prediction.float()
            reconstruction, entries = losses.reconstruction(
                prediction, batch["target"], batch["mask"]
            )
            logs = dict(logs) | entries
            total = reconstruction
            if quantizer_loss is not None:
                codebook, entries = losses.quantizer(quantizer_loss)
                total, logs = total + codebook, logs | entries
            if self.optimizer_d is not None:
                with _frozen(self.accelerator.unwrap_model(self.discriminator)) as critic:
                    fake_logits = critic(prediction)
                adversarial, entries = losses.adversarial.generator_loss(
                    reconstruction, fake_logits, self._last_layer(), step
                )
                total, logs = total + adversarial, logs | entries
        self.accelerator.backward(total)
        self._clip(self.model)
        self.optimizer_g.step()
        if self.accelerator.sync_gradients:
            self.schedulers["generator"].step()
        self.optimizer_g.zero_grad(set_to_none=True)
        return prediction.detach(), logs | {"train/loss": float(total.detach())}

    def discriminator_step(
        self, batch: dict[str, Any], prediction: torch.Tensor
    ) -> dict[str, float]:
        assert self.optimizer_d is not None and self.parts.losses.adversarial is not None
        mask = batch["mask"][..., None, None] > 0  # (B, C, 1, 1)
        real = torch.where(mask, batch["target"], prediction)
        with self.accelerator.autocast():
            loss, logs = self.parts.losses.adversarial.discriminator_loss(
                self.discriminator(real), self.discriminator(prediction), self.progress.step
            )
        self.accelerator.backward(loss)
        self._clip(self.discriminator)
        self.optimizer_d.step()
        if self.accelerator.sync_gradients:
            self.schedulers["discriminator"].step()
        self.optimizer_d.zero_grad(set_to_none=True)
        return logs

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
        if config.validate_every_epochs or config.checkpoint_every_epochs:
            accelerator.print(
                f"An epoch is {self.steps_per_epoch} steps: validation every "
                f"{self.validate_every} steps, a checkpoint every {self.checkpoint_every}."
            )
        bar = _progress_bar(accelerator, progress.step, config.max_steps)
        while progress.step < config.max_steps and not stop.requested:
            self.train_loader.set_epoch(progress.epoch)
            if hasattr(self.train_loader.dataset, "set_epoch"):
                self.train_loader.dataset.set_epoch(progress.epoch)
            batches = accelerator.skip_first_batches(self.train_loader, progress.batch_in_epoch)
            for batch in batches:
                self.model.train()
                with accelerator.accumulate(*self._trained_modules()):
                    prediction, logs = self.generator_step(batch)
                    if self.optimizer_d is not None:
                        logs |= self.discriminator_step(batch, prediction)
                progress.batch_in_epoch += 1
                if not accelerator.sync_gradients:
                    continue
                self._update_ema()
                progress.step += 1
                self._after_step(logs, log, bar)
                if progress.step >= config.max_steps or stop.requested:
                    break
            else:
                progress.epoch += 1
                progress.batch_in_epoch = 0
        if bar is not None:
            bar.close()
        stopped_early = progress.step < config.max_steps
        if not stopped_early and progress.step % self.validate_every != 0:
            self._validate(log)
        self.save_checkpoint()
        self._export(self.run.last_weights)
        return TrainResult(
            self.run,
            progress.step,
            progress.best_value,
            progress.best_step,
            time.perf_counter() - started,
            stopped_early,
            accelerator.is_main_process,
        )

    def _trained_modules(self) -> list[nn.Module]:
        return [m for m in (self.model, self.discriminator) if m is not None]

    def _update_ema(self) -> None:
        if self.ema is not None:
            self.ema.step(self.accelerator.unwrap_model(self.model), self.progress.step)

    def _after_step(self, logs: dict[str, float], log: MetricsCSV | None, bar: Any) -> None:
        config, step = self.config, self.progress.step
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{logs['train/loss']:.4f}")
        if step % config.log_every == 0 or step == 1:
            logs = self._mean_over_processes(logs)
            values = {k if "/" in k else f"train/{k}": v for k, v in logs.items()}
            values["train/lr"] = float(self.schedulers["generator"].get_last_lr()[0])
            self._log(values, log)
        if step % self.validate_every == 0:
            self._validate(log)
        if step % self.checkpoint_every == 0:
            self.save_checkpoint()

    def _mean_over_processes(self, logs: dict[str, float]) -> dict[str, float]:
        """Logged values averaged over processes (each saw its share of the global batch)."""
        if self.accelerator.num_processes == 1:
            return logs
        keys = sorted(logs)
        local = torch.tensor([logs[k] for k in keys], device=self.accelerator.device)
        mean = self.accelerator.reduce(local, reduction="mean")
        return dict(zip(keys, mean.tolist(), strict=True))

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
            self.parts.validation_tiling(),
        )
        if not values:
            return values
        self._log(values, log)
        if self.accelerator.is_main_process and panel is not None:
            image = panel_image(*panel)
            write_panel(self.run.samples / f"step_{self.progress.step:08d}.png", image)
        self._track_best(values)
        return values

    def _track_best(self, values: dict[str, float]) -> None:
        name = self.config.best_metric
        if name is None or f"val/{name}" not in values:
            return
        value = values[f"val/{name}"]
        higher = self.parts.higher_is_better.get(name, True)
        best = self.progress.best_value
        if best is None or math.isnan(best) or (value > best if higher else value < best):
            self.progress.best_value, self.progress.best_step = value, self.progress.step
            self._export(self.run.best_weights)

    def _export(self, path: Path) -> None:
        if not self.accelerator.is_main_process:
            return
        from i2i.weights import save_weights

        model = (
            self.ema.average if self.ema is not None else self.accelerator.unwrap_model(self.model)
        )
        save_weights(path, model, self.parts.export_metadata(self.progress.step))

    def close(self) -> None:
        """Free everything before the process group ends (see docs/training.md, exit crash)."""
        self.accelerator.wait_for_everyone()
        del self.model, self.discriminator, self.optimizer_g, self.optimizer_d, self.train_loader
        self.optimizers.clear()
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


def _progress_bar(accelerator: Any, start: int, total: int) -> Any:
    if not accelerator.is_main_process:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, desc="training", unit="step", dynamic_ncols=True)
