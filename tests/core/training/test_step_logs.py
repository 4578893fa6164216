"""Training steps keep their logs on the device: a step that writes no log converts no tensor to
a Python number (on a GPU each conversion waits for every queued kernel)."""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from pathlib import Path

import pytest
import torch
from training_support import TINY_VQGAN, write_recipe

import i2i
from i2i.training.trainer import Trainer
from i2i_plugins.datasets.demo import write_lmc_demo

LOSSES = [{"name": "l1"}, {"name": "codebook"}, {"name": "gan", "disc_start": 0}]
CONVERSIONS = ("__float__", "__int__", "__bool__", "__format__", "item", "tolist")
BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_host_syncs.py"


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


class StepSpy:
    """The logs of each step, and the tensor conversions i2i code made during each step."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.inside = False
        self.logs: dict[int, dict[str, object]] = {}
        self.conversions: dict[int, list[str]] = {}
        self._current: list[str] = []
        self._current_logs: dict[str, object] = {}
        for name in CONVERSIONS:
            counted = self._counted(name, getattr(torch.Tensor, name))
            monkeypatch.setattr(torch.Tensor, name, counted)
        for name in ("generator_step", "discriminator_step"):
            monkeypatch.setattr(Trainer, name, self._step_part(getattr(Trainer, name)))
        monkeypatch.setattr(Trainer, "_after_step", self._step_end(Trainer._after_step))

    def _counted(self, name, original):
        def counted(*args, **kwargs):
            module = sys._getframe(1).f_globals.get("__name__", "")
            if self.inside and module.startswith(("i2i.", "i2i_plugins.")):
                self._current.append(f"{module} {name}")
            return original(*args, **kwargs)

        return counted

    def _step_part(self, method):
        def part(trainer, *args, **kwargs):
            self.inside = True
            try:
                result = method(trainer, *args, **kwargs)
            finally:
                self.inside = False
            self._current_logs |= result[1] if isinstance(result, tuple) else result
            return result

        return part

    def _step_end(self, method):
        def end(trainer, logs, *args, **kwargs):
            step = trainer.progress.step
            self.inside = True
            try:
                method(trainer, logs, *args, **kwargs)
            finally:
                self.inside = False
            self.logs[step], self._current_logs = self._current_logs, {}
            self.conversions[step], self._current = self._current, []

        return end


def _train(tmp_path, lmc_demo, monkeypatch, **train) -> tuple[StepSpy, Path]:
    write_recipe(tmp_path, lmc_demo, model=TINY_VQGAN, losses=LOSSES, trackers=[], **train)
    spy = StepSpy(monkeypatch)
    result = i2i.train(tmp_path / "tiny.yaml", device="cpu")
    monkeypatch.undo()
    return spy, result.run.metrics


def test_steps_that_write_no_log_convert_no_tensor(tmp_path, lmc_demo, monkeypatch):
    schedule = {"max_steps": 5, "log_every": 100, "validate_every": 5, "checkpoint_every": 5}
    spy, _ = _train(tmp_path, lmc_demo, monkeypatch, **schedule)
    assert sorted(spy.logs) == [1, 2, 3, 4, 5]
    for step, logs in spy.logs.items():
        assert {"l1/loss", "codebook/loss", "gan/g_loss", "gan/d_loss", "train/loss"} <= set(logs)
        for key, value in logs.items():
            assert isinstance(value, torch.Tensor), (step, key, value)
            assert value.ndim == 0 and not value.requires_grad, (step, key)
    for step in (2, 3, 4):  # step 1 logs; step 5 validates and checkpoints
        assert spy.conversions[step] == [], step


def test_logged_values_are_the_values_of_the_logging_step(tmp_path, lmc_demo, monkeypatch):
    spy, metrics = _train(tmp_path, lmc_demo, monkeypatch, max_steps=4, log_every=2)
    rows = {int(row["step"]): row for row in csv.DictReader(metrics.open())}
    assert sorted(rows) == [1, 2, 3, 4]  # 1 and the multiples of 2 log; 3 validates
    for step in (1, 2, 4):
        for key, value in spy.logs[step].items():
            assert rows[step][key] == f"{float(value):.6g}", (step, key)
    assert rows[3]["train/loss"] == ""


def test_the_host_sync_benchmark_runs(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_host_syncs", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_host_syncs", benchmark)  # for its dataclasses
    spec.loader.exec_module(benchmark)
    every_step, every_100 = benchmark.main(["--smoke"])
    assert every_step["log_every"] == 1 and every_100["log_every"] == 100
    assert math.isnan(every_step["syncs_quiet_step"])
    # what a quiet step still waits for: the count of dead codes to restart (by design)
    assert every_100["syncs_quiet_step"] == 1
    assert every_step["syncs_log_step"] > every_100["syncs_quiet_step"]
    assert "syncs/step" in capsys.readouterr().out
