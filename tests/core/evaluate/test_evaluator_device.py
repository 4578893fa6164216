"""The evaluator's device: ``i2i.device.resolve_device``'s choice, never Apple MPS (no float64)."""

from __future__ import annotations

import pytest
import torch

from i2i.device import DeviceError
from i2i.evaluate import EvaluationError, Evaluator


@pytest.fixture
def mps_only(monkeypatch):
    """A machine with Apple MPS and no CUDA."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)


def test_auto_is_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert Evaluator(["mae"]).device == torch.device("cuda")


def test_auto_scores_on_the_cpu_beside_mps(mps_only):
    assert Evaluator(["mae"]).device == torch.device("cpu")


def test_mps_by_name_is_refused_before_scoring(mps_only):
    with pytest.raises(EvaluationError, match="float64"):
        Evaluator(["mae"], device="mps")


def test_an_unknown_device_is_a_user_error():
    with pytest.raises(DeviceError, match="--device 'gpu0'"):
        Evaluator(["mae"], device="gpu0")


def test_cuda_without_cuda_is_a_user_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="no CUDA device"):
        Evaluator(["mae"], device="cuda")
