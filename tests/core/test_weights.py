"""i2i.weights: weights files appear complete under their name or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import safetensors.torch
import torch
from torch import nn

from i2i.weights import SpecifiedModel, load_weights, save_weights


def _failing_save_file(tensors: object, filename: str, metadata: object = None) -> None:
    Path(filename).write_bytes(b"half a header")
    raise OSError("No space left on device")


def test_a_failed_save_leaves_no_file_and_no_temporary(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(safetensors.torch, "save_file", _failing_save_file)
    with pytest.raises(OSError, match="No space left"):
        save_weights(tmp_path / "runs" / "best.safetensors", nn.Linear(2, 2), {})
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch):
    path = save_weights(tmp_path / "best.safetensors", nn.Linear(2, 2), {"step": 1})
    monkeypatch.setattr(safetensors.torch, "save_file", _failing_save_file)
    with pytest.raises(OSError):
        save_weights(path, nn.Linear(2, 2), {"step": 2})
    assert load_weights(path)[1]["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["best.safetensors"]


def test_a_module_without_a_spec_is_saved_without_one(tmp_path: Path):
    module = nn.Linear(2, 3)
    assert not isinstance(module, SpecifiedModel)
    state, metadata = load_weights(save_weights(tmp_path / "l.safetensors", module, {"a": [1]}))
    assert set(metadata) == {"a", "i2i_version"} and metadata["a"] == [1]
    assert torch.equal(state["weight"], module.weight.detach())


def test_the_header_gives_metadata_and_shapes_without_loading_tensors(tmp_path: Path, monkeypatch):
    from i2i.weights import WeightsError, read_header

    path = save_weights(tmp_path / "l.safetensors", nn.Linear(2, 3), {"step": 4})
    monkeypatch.setattr(safetensors.torch, "load_file", None)  # loading tensors would fail
    header = read_header(path)
    assert header.shapes == {"weight": (3, 2), "bias": (3,)}
    assert header.metadata["step"] == 4 and "i2i_version" in header.metadata
    (tmp_path / "bad.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(WeightsError, match=r"bad\.safetensors: not a readable safetensors"):
        read_header(tmp_path / "bad.safetensors")
    with pytest.raises(WeightsError, match="no such weights file"):
        read_header(tmp_path / "missing.safetensors")
