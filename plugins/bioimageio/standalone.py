"""``i2i zoo export --format onnx|torchscript``: the traced model alone, for deployment elsewhere.

Writes ``<out_dir>/<name>.onnx`` or ``<out_dir>/<name>.torchscript.pt``: the prediction of the
model (quantizer included) on normalised input (B, C, H, W), traced on the export's real test
image (``--test-image`` or the run's first validation field) and checked there against the
PyTorch forward (:data:`~i2i_plugins.bioimageio.tracing.TOLERANCE`). The input normalisation
(the weights' input contract) is the caller's to apply; the i2i weights keep it.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from i2i.contract import InputContract
from i2i.model_formats import ExportRequest
from i2i_plugins.bioimageio import tracing


def export_onnx(request: ExportRequest) -> list[Path]:
    """The model as ONNX (opset 17, dynamic batch, height and width)."""
    return [_export(request, "onnx", f"{request.name}.onnx")]


def export_torchscript(request: ExportRequest) -> list[Path]:
    """The model as a TorchScript archive."""
    return [_export(request, "torchscript", f"{request.name}.torchscript.pt")]


def _export(request: ExportRequest, weight_format: str, file_name: str) -> Path:
    from i2i.model import load_translator
    from i2i.zoo.export import export_metadata
    from i2i_plugins.bioimageio.package import normalize, recipe_tiling
    from i2i_plugins.bioimageio.test_data import test_input

    metadata = export_metadata(request.weights)
    translator, _ = load_translator(request.weights)
    contract = InputContract.from_metadata(metadata["input_contract"], str(request.weights))
    multiple = math.lcm(contract.size_multiple, translator.size_multiple)
    recipe = metadata.get("recipe")
    tile_size = recipe_tiling(recipe if isinstance(recipe, dict) else {}).tile_size
    raw, _ = test_input(request, metadata, contract, multiple, tile_size)
    normalized = normalize(raw, contract)
    with torch.no_grad():
        reference = translator(torch.from_numpy(normalized))[0].numpy()
    if weight_format == "onnx":
        data = tracing.onnx_bytes(translator, torch.from_numpy(normalized))
        tracing.check_equal("ONNX", reference, tracing.run_onnx(data, normalized))
    else:
        data = tracing.torchscript_bytes(translator, torch.from_numpy(normalized))
        tracing.check_equal("TorchScript", reference, tracing.run_torchscript(data, normalized))
    request.out_dir.mkdir(parents=True, exist_ok=True)
    return tracing.write_bytes(request.out_dir / file_name, data)
