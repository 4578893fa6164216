"""Before ``disc_start`` the trainer runs no critic: the GAN loss's two sides are zero there
(taming multiplies them by 0), so the critic's forward and backward passes were wasted. The
critic's optimizer still steps on zero gradients, so training after ``disc_start`` is the run
that computed the zeros: same losses, same weights."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from training_support import TINY_VQGAN, write_recipe

import i2i
from i2i.training.trainer import Trainer
from i2i_plugins.datasets.demo import write_lmc_demo
from i2i_plugins.vqgan.discriminator import PatchGAN

DISC_START, MAX_STEPS = 3, 6
LOSSES = [{"name": "l1"}, {"name": "codebook"}, {"name": "gan", "disc_start": DISC_START}]
CRITIC_CALLS_PER_STEP = 3  # one on the prediction for the generator, real and fake for itself


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def _train(folder: Path, data: Path) -> tuple[int, Path]:
    """Train the tiny VQGAN; return how often the critic ran and the run folder."""
    calls = []
    forward = PatchGAN.forward

    def counted(self: PatchGAN, image: torch.Tensor) -> torch.Tensor:
        calls.append(image.shape[0])
        return forward(self, image)

    folder.mkdir()
    recipe = write_recipe(
        folder, data, model=TINY_VQGAN, losses=LOSSES, max_steps=MAX_STEPS,
        validate_every=MAX_STEPS, checkpoint_every=MAX_STEPS,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PatchGAN, "forward", counted)
        result = i2i.train(recipe)
    return len(calls), result.run.path


@pytest.fixture(scope="module")
def skipped(tmp_path_factory: pytest.TempPathFactory, lmc_demo: Path) -> tuple[int, Path]:
    """The run as it trains: no critic during the warm-up."""
    return _train(tmp_path_factory.mktemp("skipped") / "run", lmc_demo)


def test_the_critic_does_not_run_before_disc_start(skipped):
    calls, _ = skipped
    assert calls == CRITIC_CALLS_PER_STEP * (MAX_STEPS - DISC_START)


def test_training_after_disc_start_is_unchanged(tmp_path, lmc_demo, skipped, monkeypatch):
    skipped_calls, fast_run = skipped
    # the critic forced to run during the warm-up, as it did before: its zeroed losses
    monkeypatch.setattr(Trainer, "_critic_trains", lambda self, step: True)
    computed_calls, slow_run = _train(tmp_path / "computed", lmc_demo)
    assert computed_calls == CRITIC_CALLS_PER_STEP * MAX_STEPS > skipped_calls

    rows = [list(csv.DictReader((run / "metrics.csv").open())) for run in (fast_run, slow_run)]
    for fast, slow in zip(*rows, strict=True):
        step = int(fast["step"])
        for key in ("train/loss", "l1/loss", "codebook/loss"):
            assert fast[key] == slow[key], (step, key)
        if step > DISC_START:  # logged after the optimizer step of index DISC_START
            for key in ("gan/g_loss", "gan/d_loss", "gan/d_weight"):
                assert fast[key] == slow[key], (step, key)

    last = f"checkpoints/step_{MAX_STEPS:08d}"
    for module in ("model", "discriminator"):
        fast, slow = (
            load_file(run / last / f"{module}.safetensors") for run in (fast_run, slow_run)
        )
        assert fast.keys() == slow.keys()
        for name in fast:
            if name.endswith(("running_mean", "running_var", "num_batches_tracked")):
                continue  # BatchNorm statistics of warm-up batches: the critic never evaluates
            torch.testing.assert_close(fast[name], slow[name], rtol=0, atol=0, msg=name)
