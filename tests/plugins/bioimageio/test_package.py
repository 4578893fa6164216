"""``i2i zoo export --format bioimageio``: the ecosystem's validator (bioimageio.core's
``test_model``) passes on packages of a tiny UNet and a tiny VQGAN (quantizer included), for
every weight format written (TorchScript, ONNX, pytorch_state_dict), and fails when a test
tensor is broken."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from bioimageio_support import export

from i2i.cli import main

FORMATS = {"torchscript", "onnx", "pytorch_state_dict"}


def validate(package: Path) -> tuple[str, set[str]]:
    """bioimageio.core's verdict on ``package`` and the weight formats it ran."""
    return summarise(package)[:2]


def summarise(package: Path) -> tuple[str, set[str], set[str]]:
    """The verdict, the weight formats run, and the weight formats whose reproduction failed."""
    from bioimageio.core import test_model

    summary = test_model(package)
    ran = {f for d in summary.details for f in FORMATS if f in d.name.lower()}
    failed = {
        f
        for d in summary.details
        for f in FORMATS
        if f in d.name.lower() and "reproduce" in d.name.lower() and d.status == "failed"
    }
    return summary.status, ran, failed


def rdf(package: Path) -> dict:
    with zipfile.ZipFile(package) as archive:
        return yaml.safe_load(archive.read("rdf.yaml"))


def test_unet_package_passes_the_validator_for_every_weight_format(unet_package):
    status, ran = validate(unet_package)
    assert status == "passed"
    assert ran == FORMATS


def test_vqgan_package_passes_the_validator_with_its_quantizer(vqgan_package):
    status, ran = validate(vqgan_package)
    assert status == "passed"
    assert ran == FORMATS
    assert "Le and Lundberg" in " ".join(c["text"] for c in rdf(vqgan_package)["cite"])


def test_a_broken_test_tensor_fails_the_validator(unet_weights, phase_image, tmp_path):
    assert export(unet_weights, tmp_path, phase_image, "--format", "bioimageio", "--no-zip") == 0
    folder = tmp_path / "tiny-dapi.bioimageio"
    expected = np.load(folder / "test_output.npy")
    np.save(folder / "test_output.npy", expected + 0.5)
    description = yaml.safe_load((folder / "rdf.yaml").read_text())
    del description["outputs"][0]["test_tensor"]["sha256"]  # the content is wrong, not its hash
    (folder / "rdf.yaml").write_text(yaml.safe_dump(description, sort_keys=False))
    status, _, failed = summarise(folder / "rdf.yaml")
    assert status != "passed"  # 'valid-format': the description is fine, the model test is not
    assert failed == FORMATS


def test_the_description_carries_the_card_contract_tiling_and_preprocessing(unet_package):
    description = rdf(unet_package)
    names = set(zipfile.ZipFile(unet_package).namelist())
    assert {"test_input.npy", "test_output.npy", "cover.png", "README.md"} <= names
    assert description["format_version"].startswith("0.5")
    assert description["license"] == "CC-BY-4.0"
    assert description["authors"] == [{"name": "Ada Tester"}]
    steps = [p["id"] for p in description["inputs"][0]["preprocessing"]]
    assert "scale_range" in steps
    scale = next(p for p in description["inputs"][0]["preprocessing"] if p["id"] == "scale_range")
    assert (scale["kwargs"]["min_percentile"], scale["kwargs"]["max_percentile"]) == (2.0, 99.8)
    output_axes = description["outputs"][0]["axes"]
    assert output_axes[1]["channel_names"] == ["dapi"]
    assert output_axes[2]["halo"] == 8  # tile 64, overlap 0.25: 8 pixels each side
    config = description["config"]["i2i"]
    assert config["card"]["organelles"] == ["dapi"]
    assert config["input_contract"]["pixel_size_um"] == 0.5
    with zipfile.ZipFile(unet_package) as archive:
        raw = np.load(archive.open("test_input.npy"))
    assert raw.dtype == np.float32 and raw.shape == (1, 1, 64, 64)  # one tile of the recipe
    assert raw.max() > 1000  # raw 16-bit intensities of the real image, not normalised noise


def test_the_state_dict_weights_name_an_importable_i2i_architecture(vqgan_package):
    """pytorch_state_dict: the architecture is an i2i callable called with the resolved model
    spec, and the weights are tensors only (what torch.load(weights_only=True) reads)."""
    import torch
    from safetensors.torch import load_file

    entry = rdf(vqgan_package)["weights"]["pytorch_state_dict"]
    architecture = entry["architecture"]
    assert architecture["import_from"] == "i2i_plugins.bioimageio.architecture"
    assert architecture["callable"] == "prediction_model"
    model = architecture["kwargs"]["model"]
    assert model["quantizer"]["codebook_size"] == 16  # from the spec
    assert model["quantizer"]["beta"] == 0.25  # a default, resolved
    with zipfile.ZipFile(vqgan_package) as archive:
        state = torch.load(archive.open(entry["source"]), weights_only=True)
        safetensors = archive.extract("tiny-dapi.safetensors", vqgan_package.parent)
    original = load_file(safetensors)
    assert set(state) == {f"translator.{name}" for name in original}
    assert all(torch.equal(state[f"translator.{name}"], t) for name, t in original.items())


def test_the_package_file_has_the_usual_permissions(unet_package):
    assert stat.S_IMODE(unet_package.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def run(capsys, *args: str) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    return code, capsys.readouterr().err


def test_an_export_without_a_real_image_says_how_to_give_one(unet_weights, tmp_path, capsys):
    code, err = run(
        capsys, "zoo", "export", str(unet_weights), "--name", "tiny-dapi", "-o", str(tmp_path),
        "--format", "bioimageio", "--licence", "MIT", "--author", "A",
    )  # fmt: skip
    assert code == 1
    assert "needs a real test image" in err and "--test-image" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--author", "A"], "--licence"),
        (["--licence", "MIT"], "--author"),
        (
            ["--licence", "MIT", "--author", "A", "--weight-format", "i2i"],
            "consumers run TorchScript",
        ),
        (["--licence", "MIT", "--author", "A", "--citation", "Me, 2026"], "DOI"),
    ],
)
def test_missing_package_metadata_is_one_clear_error(
    unet_weights, phase_image, tmp_path, capsys, options, message
):
    code, err = run(
        capsys, "zoo", "export", str(unet_weights), "--name", "tiny-dapi", "-o", str(tmp_path),
        "--format", "bioimageio", "--test-image", str(phase_image), *options,
    )  # fmt: skip
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_a_trained_run_exports_from_its_validation_field(tmp_path, capsys):
    """No --test-image: the test data is the run's first validation field (real demo data), the
    card in config.i2i carries the run's validation metrics, and the validator passes."""
    from training_support import TINY_UNET, write_recipe

    import i2i
    from i2i_plugins.datasets.demo import write_lmc_demo

    write_lmc_demo(tmp_path / "lmc", seed=0)
    recipe = write_recipe(tmp_path, tmp_path / "lmc", model=TINY_UNET, losses=[{"name": "l1"}])
    run_folder = i2i.train(recipe).run.path
    code, err = run(
        capsys, "zoo", "export", str(run_folder), "--name", "tiny-lmc", "-o", str(tmp_path),
        "--format", "bioimageio", "--licence", "MIT", "--author", "A",
    )  # fmt: skip
    assert code == 0, err
    package = tmp_path / "tiny-lmc.bioimageio.zip"
    config = rdf(package)["config"]["i2i"]
    assert config["test_data"].startswith("validation field ")
    assert {m["name"] for m in config["card"]["metrics"]} == {"pcc", "mae"}
    status, ran = validate(package)
    assert status == "passed" and ran == FORMATS
