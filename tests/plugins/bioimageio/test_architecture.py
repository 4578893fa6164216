"""The pytorch_state_dict weights' architecture (``i2i_plugins.bioimageio.architecture``): built
from the recorded spec and loaded as bioimageio.core loads it, it computes exactly the i2i
model's forward on real tiles, for a UNet, a VQGAN (quantizer included) and a timm backbone."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from bioimageio_support import VQGAN_SPEC, real_tile, save_model
from training_support import TINY_VQGAN

from i2i.model import load_translator
from i2i_plugins.bioimageio.architecture import architecture_spec, run_state_dict, state_dict_bytes


@pytest.mark.parametrize("model", ["unet_weights", "vqgan_weights", "timm_weights"])
def test_the_state_dict_in_its_architecture_equals_the_model(model, request, phase_image):
    translator, _ = load_translator(request.getfixturevalue(model))
    data = state_dict_bytes(translator)
    spec = architecture_spec(translator.spec)
    for tile in (real_tile(phase_image, 300, 64, 64), real_tile(phase_image, 500, 96, 128)):
        with torch.no_grad():
            expected = translator(torch.from_numpy(tile))[0].numpy()
        assert np.array_equal(run_state_dict(data, spec, tile), expected)


def test_the_discriminator_stays_out_and_pretrained_is_off(tmp_path):
    spec = {**VQGAN_SPEC, "discriminator": TINY_VQGAN["discriminator"]}
    translator, _ = load_translator(save_model(tmp_path / "w.safetensors", spec, "with_critic"))
    state = torch.load(io.BytesIO(state_dict_bytes(translator)), weights_only=True)
    assert state and not any(name.startswith("translator.discriminator.") for name in state)
    assert "discriminator" not in architecture_spec(translator.spec)
    timm = {"name": "timm", "model_name": "test_resnet", "pretrained": True}
    resolved = architecture_spec({"in_channels": 1, "out_channels": 1, "encoder": timm})
    assert resolved["encoder"]["pretrained"] is False
