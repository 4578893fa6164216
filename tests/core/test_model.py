"""i2i.model: building translators from specs, forward contract, rebuilding from weights files."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from i2i.errors import I2IError
from i2i.model import ModelSpecError, Translator, build_model, load_translator
from i2i.weights import WeightsError, load_weights, save_weights

TINY = {"ch": 16, "ch_mult": [1, 2], "num_res_blocks": 1, "z_channels": 4, "groups": 8}
VQ_SPEC = {
    "in_channels": 1,
    "out_channels": 2,
    "encoder": {"name": "vqgan", **TINY},
    "quantizer": {"name": "vector", "codebook_size": 16},
    "generator": {"name": "vqgan", **TINY},
}
UNET_SPEC = {
    "in_channels": 3,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 4},
}


def test_vq_translator_forward_contract():
    torch.manual_seed(0)
    model = build_model(VQ_SPEC)
    assert isinstance(model, Translator) and model.size_multiple == 2
    prediction, loss, logs = model(torch.randn(2, 1, 16, 24))
    assert prediction.shape == (2, 2, 16, 24)
    assert loss.ndim == 0 and "vector/perplexity" in logs
    assert model.last_layer_weight() is model.generator.conv_out.weight


def test_unet_translator_has_no_quantizer_loss():
    model = build_model(UNET_SPEC)
    prediction, loss, logs = model(torch.randn(1, 3, 8, 12))
    assert prediction.shape == (1, 1, 8, 12) and loss is None and logs == {}
    assert model.size_multiple == 4 and model.encoder is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"in_channels": 1, "out_channels": 1}, "'generator'"),
        ({**VQ_SPEC, "encoder": None}, "quantizer but no encoder"),
        ({**VQ_SPEC, "generator": {"name": "vqgn"}}, "Did you mean 'vqgan'"),
    ],
)
def test_spec_errors_are_user_errors(spec, message):
    with pytest.raises(I2IError, match=message):
        build_model(spec)


def test_pyramid_encoder_refuses_a_quantizer():
    spec = {
        "in_channels": 1,
        "out_channels": 1,
        "encoder": {"name": "timm", "model_name": "test_resnet"},
        "quantizer": {"name": "vector"},
        "generator": {"name": "timm_decoder"},
    }
    with pytest.raises(ModelSpecError, match="feature pyramid"):
        build_model(spec)


def test_weights_round_trip_rebuilds_the_model(tmp_path):
    torch.manual_seed(0)
    model = build_model({**VQ_SPEC, "discriminator": {"name": "patchgan", "n_layers": 1, "ndf": 4}})
    model.train()(torch.randn(2, 1, 16, 16))  # k-means start: state beyond the parameters
    path = save_weights(
        tmp_path / "sub" / "m.safetensors",
        model,
        {"input_contract": {"channels": ["BF"]}, "step": 7},
    )
    state, metadata = load_weights(path)
    assert metadata["step"] == 7 and metadata["input_contract"] == {"channels": ["BF"]}
    assert metadata["model"]["quantizer"]["codebook_size"] == 16
    assert set(state) == set(model.state_dict())
    loaded, _ = load_translator(path)
    x = torch.randn(1, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x)[0], model.eval()(x)[0], rtol=0, atol=0)
    assert not list(tmp_path.glob("sub/.m.safetensors*"))  # no temporary left behind


def test_metadata_values_are_json_strings(tmp_path):
    path = save_weights(tmp_path / "m.safetensors", build_model(UNET_SPEC), {"recipe": {"a": 1}})
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        raw = handle.metadata()
    assert json.loads(raw["recipe"]) == {"a": 1}
    assert json.loads(raw["model"])["generator"]["name"] == "unet"


def test_recipe_metadata_rebuilds_when_no_model_key(tmp_path):
    model = build_model(UNET_SPEC)
    path = tmp_path / "m.safetensors"
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(path), metadata={"recipe": json.dumps({"model": UNET_SPEC})})
    loaded, _ = load_translator(path)
    assert loaded.spec["generator"]["name"] == "unet"


def test_weights_errors(tmp_path):
    with pytest.raises(WeightsError, match="no such weights file"):
        load_weights(tmp_path / "missing.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(WeightsError, match="not a readable safetensors"):
        load_weights(tmp_path / "bad.safetensors")
    save_file({"x": torch.zeros(1)}, str(tmp_path / "bare.safetensors"))
    with pytest.raises(WeightsError, match="no model spec"):
        load_translator(tmp_path / "bare.safetensors")
    path = save_weights(tmp_path / "u.safetensors", build_model(UNET_SPEC), {})
    state, metadata = load_weights(path)
    save_file(
        {**state, "extra": torch.zeros(1)},
        str(tmp_path / "extra.safetensors"),
        metadata={k: json.dumps(v) for k, v in metadata.items()},
    )
    with pytest.raises(WeightsError, match="unexpected: extra"):
        load_translator(tmp_path / "extra.safetensors")


def test_the_old_name_load_model_warns_and_still_loads(tmp_path):
    from i2i import model as model_module

    path = save_weights(tmp_path / "u.safetensors", build_model(UNET_SPEC), {"step": 3})
    with pytest.warns(DeprecationWarning, match=r"i2i\.model\.load_translator"):
        loaded, metadata = model_module.load_model(path)
    assert isinstance(loaded, Translator) and metadata["step"] == 3


def test_bf16_autocast_forward():
    model = build_model(VQ_SPEC).to(memory_format=torch.channels_last)
    x = torch.randn(1, 1, 16, 16).to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        prediction, loss, _ = model(x)
    assert prediction.shape == (1, 2, 16, 16) and torch.isfinite(prediction.float()).all()
    assert torch.isfinite(loss)


def _file_describing(tmp_path, spec, tensors=None, name="crafted.safetensors"):
    """A weights file whose metadata describes ``spec`` but holds ``tensors`` (default: one)."""
    path = tmp_path / name
    save_file(tensors or {"w": torch.zeros(1)}, str(path), metadata={"model": json.dumps(spec)})
    return path


HUGE_UNET = {
    "in_channels": 1,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 20000, "norm": "group", "groups": 4},
}


def test_a_tiny_file_describing_a_huge_model_is_refused_before_allocating(tmp_path):
    import resource

    path = _file_describing(tmp_path, HUGE_UNET)
    assert path.stat().st_size < 400
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(WeightsError) as error:
        load_translator(path)
    message = str(error.value)
    assert str(path) in message and "I2I_MAX_MODEL_PARAMETERS" in message
    with torch.device("meta"):
        count = sum(t.numel() for t in build_model(HUGE_UNET).state_dict().values())
    assert count > 2 * 10**9 and f"has {count:,} parameters, beyond" in message
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # it used to try to allocate 14 GB


def test_the_parameter_limit_is_configurable(tmp_path, monkeypatch):
    path = save_weights(tmp_path / "u.safetensors", build_model(UNET_SPEC), {})
    monkeypatch.setenv("I2I_MAX_MODEL_PARAMETERS", "1000")
    with pytest.raises(
        WeightsError, match=r"has \d+,\d{3} parameters, beyond .*at most 1,000 parameters"
    ):
        load_translator(path)
    assert isinstance(load_translator(path, max_parameters=10**6)[0], Translator)
    monkeypatch.setenv("I2I_MAX_MODEL_PARAMETERS", "1e6")
    assert isinstance(load_translator(path)[0], Translator)
    monkeypatch.setenv("I2I_MAX_MODEL_PARAMETERS", "lots")
    with pytest.raises(I2IError, match="I2I_MAX_MODEL_PARAMETERS='lots' is not a positive"):
        load_translator(path)


def test_tensors_of_another_shape_are_refused_naming_them(tmp_path):
    model = build_model(UNET_SPEC)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    first = next(iter(state))
    state[first] = torch.zeros(2, 2)
    path = _file_describing(tmp_path, UNET_SPEC, state)
    with pytest.raises(WeightsError, match=rf"{first} \[2, 2\] instead of \[") as error:
        load_translator(path)
    assert "crafted.safetensors" in str(error.value) and "missing: none" in str(error.value)


def test_a_file_with_too_few_tensors_is_refused_before_loading_them(tmp_path):
    path = _file_describing(tmp_path, UNET_SPEC)
    with pytest.raises(WeightsError, match=r"missing: .* more; unexpected: w;"):
        load_translator(path)


def test_invalid_parameters_in_a_file_name_the_file(tmp_path):
    spec = {**UNET_SPEC, "generator": {"name": "unet", "depth": "deep"}}
    path = _file_describing(tmp_path, spec)
    with pytest.raises(WeightsError, match=r"crafted\.safetensors: the model spec .* invalid"):
        load_translator(path)


def test_metadata_nested_absurdly_deep_is_not_a_crash(tmp_path):
    path = tmp_path / "deep.safetensors"
    save_file({"w": torch.zeros(1)}, str(path), metadata={"model": "[" * 100_000})
    with pytest.raises(WeightsError, match="no model spec"):
        load_translator(path)


@pytest.mark.parametrize(
    "spec",
    [
        VQ_SPEC,
        UNET_SPEC,
        {
            "in_channels": 1,
            "out_channels": 1,
            "encoder": {"name": "timm", "model_name": "test_resnet"},
            "generator": {"name": "timm_decoder"},
        },
    ],
    ids=["vqgan", "unet", "timm"],
)
def test_first_party_models_are_sized_on_the_meta_device(spec):
    from i2i.model_budget import build_within_budget

    skeleton = build_within_budget(lambda: build_model(spec), "spec")
    assert all(t.is_meta for t in skeleton.state_dict().values())
    real = build_model(spec).state_dict()
    assert {k: v.shape for k, v in skeleton.state_dict().items()} == {
        k: v.shape for k, v in real.items()
    }
