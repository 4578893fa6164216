"""``i2i zoo export --format onnx|torchscript``: the traced model equals the PyTorch forward on a
real image tile, also at sizes other than the traced one, for a UNet, a VQGAN (quantizer
included) and a timm-backbone model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from bioimageio_support import VQGAN_SPEC, export, real_tile

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


def test_vqgan_onnx_equals_the_forward_above_8192_latent_positions(
    vqgan_weights, phase_image, tmp_path
):
    """A 192² real tile: 96² = 9216 latent positions, where the PyTorch forward's attention is
    ``scaled_dot_product_attention`` (explicit matmuls up to 8192) and the stock ONNX GroupNorm
    was off by 1.2e-4 (:mod:`i2i_plugins.bioimageio.exact_norm`)."""
    assert export(vqgan_weights, tmp_path, phase_image, "--format", "onnx") == 0
    translator, _ = load_translator(vqgan_weights)
    tile = real_tile(phase_image, 200, 192, 192)
    with torch.no_grad():
        expected = translator(torch.from_numpy(tile))[0].numpy()
    assert np.abs(run_onnx((tmp_path / "tiny-dapi.onnx").read_bytes(), tile) - expected).max() <= (
        TOLERANCE
    )


@pytest.mark.parametrize("weight_format", ["onnx", "torchscript"])
def test_a_chunked_codebook_search_is_traced_for_every_size(weight_format, phase_image):
    """8192 codes: the quantizer searches 2048 latents at a time; traced on 64² latents (two
    chunks), the traced model still runs 96² (five) and 48² (two, the last shorter)."""
    from i2i.model import build_model
    from i2i_plugins.bioimageio import tracing

    torch.manual_seed(0)
    quantizer = {"name": "vector", "codebook_size": 8192, "code_dim": 4}
    no_attention = {**VQGAN_SPEC["encoder"], "mid_attention": False}  # seconds, not a minute
    spec = {**VQGAN_SPEC, "encoder": no_attention, "generator": no_attention}
    spec["quantizer"] = quantizer
    translator = build_model(spec).eval()
    traced = tracing.torchscript_bytes if weight_format == "torchscript" else tracing.onnx_bytes
    data = traced(translator, torch.from_numpy(real_tile(phase_image, 200, 128, 128)))
    runner = RUNNERS[weight_format][0]
    for side in (192, 96):
        tile = real_tile(phase_image, 200, side, side)
        with torch.no_grad():
            expected = translator(torch.from_numpy(tile))[0].numpy()
        assert np.abs(runner(data, tile) - expected).max() <= TOLERANCE
