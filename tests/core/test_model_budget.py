"""i2i.model_budget: models described by files are sized before anything is allocated."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from i2i.errors import I2IError
from i2i.model_budget import (
    DEFAULT_MAX_PARAMETERS,
    MAX_TENSORS,
    ModelTooLargeError,
    build_within_budget,
    max_parameters,
)


def test_a_model_is_built_on_the_meta_device_and_counted_exactly():
    model = build_within_budget(lambda: nn.Linear(1000, 1000), "spec")
    assert model.weight.is_meta
    with pytest.raises(ModelTooLargeError, match=r"^f\.safetensors: .* has 1,001,000 parameters"):
        build_within_budget(lambda: nn.Linear(1000, 1000), "f.safetensors", limit=10**6)


def test_buffers_count_too():
    with pytest.raises(ModelTooLargeError, match="has 8,001 parameters"):
        build_within_budget(lambda: nn.BatchNorm1d(2000), "spec", limit=4000)


def test_a_component_that_cannot_be_built_on_meta_is_built_on_cpu_and_still_counted():
    def needs_values() -> nn.Module:
        layer = nn.Linear(4, 4)
        float(layer.weight.sum())  # reads a value: impossible on the meta device
        return layer

    assert not build_within_budget(needs_values, "spec").weight.is_meta
    with pytest.raises(ModelTooLargeError, match="has more than 10 parameters"):
        build_within_budget(needs_values, "spec", limit=10)


def test_a_spec_of_very_many_layers_is_stopped_early():
    def many_layers() -> nn.Module:
        return nn.Sequential(*(nn.Linear(1, 1, bias=False) for _ in range(3 * MAX_TENSORS)))

    start = time.monotonic()
    with pytest.raises(
        ModelTooLargeError, match=f"has more than {MAX_TENSORS:,} parameter tensors"
    ):
        build_within_budget(many_layers, "spec")
    assert time.monotonic() - start < 20


def test_other_threads_building_models_are_not_counted():
    import threading

    from i2i import model_budget

    built = threading.Event()
    release = threading.Event()

    def build_and_wait() -> nn.Module:
        built.set()
        release.wait(10)
        return nn.Linear(2, 2)

    worker = threading.Thread(target=lambda: build_within_budget(build_and_wait, "spec", limit=10))
    worker.start()
    built.wait(10)
    big = nn.Linear(100, 100)  # another thread, while the hook is installed
    release.set()
    worker.join(10)
    assert big.weight.numel() == 10_000 and model_budget is not None


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("I2I_MAX_MODEL_PARAMETERS", raising=False)
    assert max_parameters() == DEFAULT_MAX_PARAMETERS
    for text, value in [("5000", 5000), ("5_000", 5000), ("5e9", 5 * 10**9)]:
        monkeypatch.setenv("I2I_MAX_MODEL_PARAMETERS", text)
        assert max_parameters() == value
    for text in ["0", "-3", "many"]:
        monkeypatch.setenv("I2I_MAX_MODEL_PARAMETERS", text)
        with pytest.raises(I2IError, match="not a positive whole number"):
            max_parameters()


def test_hooks_are_removed_after_a_build():
    with pytest.raises(ModelTooLargeError):
        build_within_budget(lambda: nn.Linear(10, 10), "spec", limit=5)
    assert torch.zeros(1).device.type == "cpu"
    assert nn.Linear(100, 100).weight.numel() == 10_000  # no hook left to refuse it
