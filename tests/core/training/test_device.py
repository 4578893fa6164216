"""``i2i.train(device=...)``: the device choice goes through i2i.device.resolve_device."""

from __future__ import annotations

import pytest
import torch

from i2i.device import DeviceError
from i2i.errors import I2IError
from i2i.training.api import trains_on_cpu


def test_auto_trains_on_cuda_when_available_else_on_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)  # never for training
    assert trains_on_cpu("auto") is not torch.cuda.is_available()
    assert trains_on_cpu("cpu") is True


@pytest.mark.parametrize("device", ["gpu", "mps", "cuda:1"])
def test_other_devices_are_a_user_error_naming_the_choices(device):
    with pytest.raises(DeviceError, match=rf"--device '{device}'.*auto, cpu or cuda") as info:
        trains_on_cpu(device)
    assert isinstance(info.value, I2IError)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_user_error():
    with pytest.raises(DeviceError, match="no CUDA device"):
        trains_on_cpu("cuda")
