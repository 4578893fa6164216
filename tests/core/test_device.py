"""i2i.device.resolve_device: the one resolver of 'auto'."""

from __future__ import annotations

import pytest
import torch

from i2i.device import DeviceError, resolve_device


def test_auto_is_the_best_available_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert resolve_device("auto").type == expected


def test_explicit_devices_pass_through():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_unknown_device_names_the_option_and_the_choices():
    with pytest.raises(DeviceError, match=r"--device 'gpu0'.*auto, cpu, cuda"):
        resolve_device("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_user_error():
    with pytest.raises(DeviceError, match="no CUDA device"):
        resolve_device("cuda:1", option="train.device")
