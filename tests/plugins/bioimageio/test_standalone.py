"""``i2i zoo export --format onnx|torchscript``: the traced model equals the PyTorch forward on a
real image tile, also at sizes other than the traced one, for a UNet, a VQGAN (quantizer
included) and a timm-backbone model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from bioimageio_support import export, real_tile

from i2i.model import load_translator
from i2i_plugins.bioimageio.tracing import TOLERANCE, run_onnx, run_torchscript

RUNNERS = {
    "onnx": (run_onnx, "tiny-dapi.onnx"),
    "torchscript": (run_torchscript, "tiny-dapi.torchscript.pt"),
}


@pytest.mark.parametrize("weight_format", ["onnx", "torchscript"])
@pytest.mark.parametrize("model", ["unet_weights", "vqgan_weights", "timm_weights"])
def test_traced_model_equals_the_pytorch_forward(
    weight_format, model, request, phase_image, tmp_path
):
    weights = request.getfixturevalue(model)
    assert export(weights, tmp_path, phase_image, "--format", weight_format) == 0
    runner, file_name = RUNNERS[weight_format]
    data = (tmp_path / file_name).read_bytes()
    translator, _ = load_translator(weights)
    for tile in (real_tile(phase_image, 300, 64, 64), real_tile(phase_image, 500, 96, 128)):
        with torch.no_grad():
            expected = translator(torch.from_numpy(tile))[0].numpy()
        assert np.abs(runner(data, tile) - expected).max() <= TOLERANCE
