"""Importing taming-transformers checkpoints: same outputs as the source modules."""

from __future__ import annotations

import pickle

import pytest
import torch
import yaml
from taming_reference import VQModel
from typer.testing import CliRunner

from i2i.cli import app
from i2i.model import load_translator
from i2i.weights import load_weights


def _levels() -> dict:
    """The tiny encoder/decoder configuration (fresh lists: no YAML aliases when dumped)."""
    levels = {"ch": 32, "ch_mult": [1, 2], "num_res_blocks": 1, "z_channels": 3}
    return {"name": "vqgan", **levels, "attn_resolutions": [16], "resolution": 32}


TINY_SPEC = {
    "in_channels": 3,
    "out_channels": 3,
    "encoder": _levels(),
    "quantizer": {"name": "vector", "codebook_size": 64},
    "generator": _levels(),
    "discriminator": {"name": "patchgan", "n_layers": 2, "ndf": 8},
}


@pytest.fixture(scope="module")
def reference() -> VQModel:
    torch.manual_seed(0)
    return VQModel().eval()


def _write_checkpoint(path, model: VQModel) -> None:
    """A Lightning-style checkpoint: state_dict plus the bookkeeping Lightning adds."""
    state = dict(model.state_dict())
    state["loss.perceptual_loss.net.slice1.0.weight"] = torch.zeros(4, 3, 3, 3)  # LPIPS
    torch.save(
        {
            "epoch": 3,
            "global_step": 1200,
            "pytorch-lightning_version": "1.4.2",
            "state_dict": state,
            "optimizer_states": [],
            "lr_schedulers": [],
        },
        path,
    )


def _run_import(tmp_path, checkpoint, spec: dict):
    """``i2i model import-taming CHECKPOINT --spec SPEC -o OUT``: (result, OUT)."""
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "out.safetensors"
    args = ["model", "import-taming", str(checkpoint), "--spec", str(tmp_path / "spec.yaml")]
    return CliRunner().invoke(app, [*args, "-o", str(out)]), out


def _import(tmp_path, spec: dict, reference: VQModel):
    checkpoint = tmp_path / "BF_to_Mito.ckpt"
    _write_checkpoint(checkpoint, reference)
    result, out = _run_import(tmp_path, checkpoint, spec)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_imported_model_reproduces_the_taming_model(tmp_path, reference):
    out, output = _import(tmp_path, TINY_SPEC, reference)
    assert "dropped 1" in output  # the LPIPS weights
    model, metadata = load_translator(out)
    assert metadata["source"]["format"] == "taming-transformers"
    assert len(metadata["source"]["sha256"]) == 64
    x = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        expected = reference(x)
        prediction, _, _ = model(x)
        torch.testing.assert_close(prediction, expected, rtol=1e-4, atol=1e-5)
        image = torch.randn(1, 3, 32, 32)
        torch.testing.assert_close(model.discriminator(image), reference.loss.discriminator(image))


def test_one_plane_in_one_channel_out_without_copies(tmp_path, reference):
    spec = {**TINY_SPEC, "in_channels": 1, "out_channels": 1}
    out, output = _import(tmp_path, spec, reference)
    assert "summed 3 input channels" in output and "averaged 3 output channels" in output
    model, _ = load_translator(out)
    plane = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        expected = reference(plane.expand(-1, 3, -1, -1)).mean(dim=1, keepdim=True)
        torch.testing.assert_close(model(plane)[0], expected, rtol=1e-4, atol=1e-5)


def test_import_refuses_pickled_objects(tmp_path):
    checkpoint = tmp_path / "unsafe.ckpt"
    with checkpoint.open("wb") as handle:
        payload = {"state_dict": {}, "hook": pickle.PickleError("arbitrary object")}
        pickle.dump(payload, handle, protocol=2)
    result, out = _run_import(tmp_path, checkpoint, TINY_SPEC)
    assert result.exit_code != 0
    assert "weights_only=True" in str(result.exception)
    assert not out.exists()


def test_import_reports_a_shape_mismatch(tmp_path, reference):
    checkpoint = tmp_path / "model.ckpt"
    _write_checkpoint(checkpoint, reference)
    spec = {**TINY_SPEC, "quantizer": {"name": "vector", "codebook_size": 128}}
    result, _ = _run_import(tmp_path, checkpoint, spec)
    assert result.exit_code != 0
    assert "quantizer.embedding.weight" in str(result.exception)


def test_imported_file_holds_no_pickle(tmp_path, reference):
    out, _ = _import(tmp_path, TINY_SPEC, reference)
    state, metadata = load_weights(out)
    assert "quantizer.embedding.weight" in state and "discriminator.main.0.weight" in state
    assert bool(state["quantizer.initialized"])
    assert metadata["model"]["encoder"]["name"] == "vqgan"
