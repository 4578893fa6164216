"""``i2i predict -m package.zip``: an exported package predicts like the weights it came from,
with any weight format i2i runs, and carries the card it was exported with; packages i2i
cannot run safely are refused, naming why."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from bioimageio_support import export

from i2i.cli import main
from i2i.io import open_image
from i2i.model_formats import PackageCard
from i2i.prediction import load_predictor
from i2i.zoo.formats import open_model_package

TOLERANCE = 1e-4  # fp32, normalised units: traced graphs reorder a few float operations


def predict_cli(capsys, model: Path, image: Path, out: Path) -> tuple[int, str]:
    try:
        main(["predict", "-m", str(model), str(image), "-o", str(out), "--float32"])
        code = 0
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def original(unet_weights, phase_crop) -> np.ndarray:
    return load_predictor(unet_weights).predict(phase_crop)


@pytest.mark.parametrize("weight_format", ["i2i", "torchscript", "onnx"])
def test_a_package_predicts_like_its_weights(
    weight_format, unet_weights, phase_image, phase_crop, original, tmp_path, capsys
):
    options = ["--format", "bioimageio", "--weight-format", weight_format]
    if weight_format == "i2i":
        options += ["--weight-format", "onnx"]  # a package always carries a traced format
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    package = tmp_path / "tiny-dapi.bioimageio.zip"
    code, err = predict_cli(capsys, package, phase_crop, tmp_path / "out.ome.tif")
    assert code == 0, err
    predicted = open_image(tmp_path / "out.ome.tif").read()
    assert predicted.shape == original.shape == (1, 1, 1, 320, 288)  # tiled and blended
    assert np.abs(predicted - original).max() <= TOLERANCE


def test_the_rdf_yaml_of_a_package_folder_opens_too(
    unet_weights, phase_image, phase_crop, original, tmp_path
):
    options = ["--format", "bioimageio", "--no-zip", "--weight-format", "torchscript"]
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    predictor = load_predictor(tmp_path / "tiny-dapi.bioimageio" / "rdf.yaml")
    assert np.abs(predictor.predict(phase_crop) - original).max() <= TOLERANCE


def test_a_package_opened_once_predicts_as_its_path_does(
    unet_weights, phase_image, phase_crop, original, tmp_path
):
    options = ["--format", "bioimageio", "--no-zip", "--weight-format", "torchscript"]
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    package = open_model_package(tmp_path / "tiny-dapi.bioimageio" / "rdf.yaml")
    assert package is not None  # the napari widget reads its card and loads it from one opening
    assert np.abs(load_predictor(package).predict(phase_crop) - original).max() <= TOLERANCE


def rewritten(package: Path, out: Path, change) -> Path:
    """A copy of ``package`` whose rdf.yaml is ``change(rdf)``."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "rdf.yaml":
                description = yaml.safe_load(data)
                change(description)
                data = yaml.safe_dump(description).encode()
            target.writestr(item, data)
    return out


def _pickled_state_dict_only(description: dict) -> None:
    description["weights"] = {
        "pytorch_state_dict": {
            "source": "weights.pt",
            "architecture": {"callable": "Net", "source": "net.py"},
            "pytorch_version": "2.3",
        }
    }
    description["attachments"] = []


def _three_d(description: dict) -> None:
    description["inputs"][0]["axes"].insert(2, {"type": "space", "id": "z", "size": 8})


def _foreign(description: dict) -> None:
    del description["config"]["i2i"]


def _channel_names_not_a_list(description: dict) -> None:
    description["inputs"][0]["axes"][1]["channel_names"] = 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_pickled_state_dict_only, "i2i cannot run this package's weights (pytorch_state_dict)"),
        (_three_d, "input axes (batch, channel, z, y, x) are not supported"),
        (_foreign, "not exported by i2i"),
        (_channel_names_not_a_list, "channel axis has channel_names 5, not a list"),
    ],
)
def test_packages_i2i_cannot_run_are_refused_with_the_reason(
    unet_package, phase_crop, tmp_path, capsys, change, message
):
    package = rewritten(unet_package, tmp_path / "changed.zip", change)
    code, err = predict_cli(capsys, package, phase_crop, tmp_path / "out.ome.tif")
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    if change is _pickled_state_dict_only:
        assert "i2i, torchscript, onnx" in err


def test_a_package_with_only_state_dict_weights_is_refused(
    unet_weights, phase_image, tmp_path, capsys
):
    """i2i never unpickles, not even the pytorch_state_dict it wrote itself."""
    options = ["--format", "bioimageio", "--weight-format", "pytorch_state_dict"]
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    package = tmp_path / "tiny-dapi.bioimageio.zip"
    assert "model.state_dict.pt" in zipfile.ZipFile(package).namelist()
    code, err = predict_cli(capsys, package, phase_image, tmp_path / "out.ome.tif")
    assert code == 1
    assert "i2i cannot run this package's weights (pytorch_state_dict)" in err
    assert "i2i, torchscript, onnx" in err and "Traceback" not in err


def test_a_damaged_weights_file_is_refused(unet_weights, phase_image, tmp_path, capsys):
    options = ["--format", "bioimageio", "--no-zip", "--weight-format", "onnx"]
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    onnx_file = tmp_path / "tiny-dapi.bioimageio" / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:-10])
    code, err = predict_cli(capsys, onnx_file.parent, phase_image, tmp_path / "out.ome.tif")
    assert code == 1
    assert "does not match its sha256" in err


def test_an_rdf_yaml_alias_bomb_is_refused_without_expanding_it(phase_crop, tmp_path, capsys):
    """A downloaded package is untrusted: its rdf.yaml is read within i2i.safe_yaml's limits
    (plain yaml.safe_load expands this to 10^9 values and exhausts memory)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    package = tmp_path / "bomb.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("rdf.yaml", "\n".join(levels) + "\n")
    code, err = predict_cli(capsys, package, phase_crop, tmp_path / "out.ome.tif")
    assert code == 1
    assert "bomb.zip: rdf.yaml" in err and "100,000 values" in err
    assert "Traceback" not in err


def test_an_opened_package_carries_the_card_it_was_exported_with(
    unet_weights, phase_image, tmp_path
):
    """What the widget and other callers show of a package: the zoo card of config.i2i."""
    options = ["--format", "bioimageio", "--weight-format", "torchscript"]
    options += [
        "--modality",
        "phase-contrast",
        "--citation",
        "Tester et al. 2026, https://doi.org/10.1234/i2i-tests",
    ]
    assert export(unet_weights, tmp_path, phase_image, *options) == 0
    opened = open_model_package(tmp_path / "tiny-dapi.bioimageio.zip")
    assert opened is not None
    assert opened.card == PackageCard(
        name="tiny-dapi",
        description="A tiny tiny_unet for tests.",
        organelles=("dapi",),
        modality=("phase-contrast",),
        input_channels=("all channels of the image",),
        pixel_size_um=0.5,
        licence="CC-BY-4.0",
        citation="Tester et al. 2026, https://doi.org/10.1234/i2i-tests",
        authors=("Ada Tester",),
    )


def _without_card(description: dict) -> None:
    del description["config"]["i2i"]["card"]


def _no_organelles(description: dict) -> None:
    description["config"]["i2i"]["card"]["organelles"] = []


def test_a_package_without_a_card_opens_and_a_damaged_card_is_refused(
    unet_package, phase_crop, tmp_path, capsys
):
    plain = open_model_package(rewritten(unet_package, tmp_path / "plain.zip", _without_card))
    assert plain is not None and plain.card is None
    damaged = rewritten(unet_package, tmp_path / "damaged.zip", _no_organelles)
    code, err = predict_cli(capsys, damaged, phase_crop, tmp_path / "out.ome.tif")
    assert code == 1 and "Traceback" not in err
    assert "damaged.zip: rdf.yaml config.i2i.card: model card 'tiny-dapi' is invalid" in err
    assert "organelles" in err
