"""timm backbones as pyramid encoders, decoded by timm_decoder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from i2i.errors import I2IError
from i2i.model import build_model

SPEC = {
    "in_channels": 1,
    "out_channels": 2,
    "encoder": {"name": "timm", "model_name": "test_resnet"},
    "generator": {"name": "timm_decoder", "head_channels": 8},
}


def test_single_plane_input_and_pyramid():
    torch.manual_seed(0)
    model = build_model(SPEC)
    encoder = model.encoder
    first_conv = next(m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 1  # no copying of the plane three times
    features = encoder(torch.randn(1, 1, 64, 96))
    assert [f.shape[1] for f in features] == encoder.feature_channels
    assert [96 // f.shape[-1] for f in features] == encoder.feature_reductions
    assert model.size_multiple == encoder.feature_reductions[-1] == encoder.downsample_factor
    prediction, loss, _ = model(torch.randn(2, 1, 64, 96))
    assert prediction.shape == (2, 2, 64, 96) and loss is None
    assert model.last_layer_weight() is model.generator.conv_out.weight


def test_out_indices_select_levels():
    model = build_model({**SPEC, "encoder": {**SPEC["encoder"], "out_indices": [1, 2]}})
    assert len(model.encoder.feature_channels) == 2
    assert model(torch.randn(1, 1, 32, 32))[0].shape == (1, 2, 32, 32)


def test_unknown_backbone_is_a_user_error():
    with pytest.raises(I2IError, match="timm has no model 'resnet_nope'"):
        build_model({**SPEC, "encoder": {"name": "timm", "model_name": "resnet_nope"}})


def test_decoder_without_pyramid_is_a_user_error():
    with pytest.raises(I2IError, match="decodes a feature pyramid"):
        build_model({"in_channels": 1, "out_channels": 1, "generator": {"name": "timm_decoder"}})


def test_pretrained_weights_offline_say_they_need_the_network_or_a_cache(tmp_path):
    """Offline with an empty cache: one clear message (not "unexpected LocalEntryNotFoundError
    ... this is a bug") from a command that builds the model; HF_HUB_OFFLINE makes the hub fail
    at once instead of retrying."""
    recipe = tmp_path / "timm.yaml"
    recipe.write_text(
        "name: timm_offline\n"
        "data: null\n"
        "model:\n"
        "  in_channels: 1\n"
        "  out_channels: 1\n"
        "  encoder: {name: timm, model_name: test_resnet, pretrained: true}\n"
        "  generator: {name: timm_decoder}\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    env["TORCH_HOME"] = str(tmp_path / "torch")
    done = subprocess.run(
        [sys.executable, "-m", "i2i", "model", "summary", str(recipe), "--size", "32"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Error: model.encoder.pretrained:" in done.stderr
    assert "pretrained weights of timm model 'test_resnet'" in done.stderr
    assert "network" in done.stderr and "cache" in done.stderr
    assert "model.encoder.pretrained=false" in done.stderr
    assert "this is a bug" not in done.stderr and "Traceback" not in done.stderr
