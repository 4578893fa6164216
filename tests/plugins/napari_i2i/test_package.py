"""A bioimage.io package as the widget's model: its card, and exactly 'i2i predict -m package'.

The packages are the bundled ISL model and a tiny UNet exported by ``i2i zoo export --format
bioimageio``; the widget opens them through the core (``load_predictor`` and the
``i2i_open_model_package`` hook that the bioimageio plugin implements), never through the
bioimageio plugin itself.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import yaml
from bioimageio_support import export, save_model
from napari_support import MODEL, dock_widget, predict, use_model_file
from typer.testing import CliRunner
from zoo_support import TINY_SPEC

from i2i.cli import app
from i2i.io import open_image
from i2i.zoo import ModelCard
from i2i_plugins.napari_i2i.models import LoadedModel, ModelChoice

pytest.importorskip("bioimageio.spec", reason="exporting a package needs the bioimageio extra")


@pytest.fixture(scope="module")
def package(isl_crop_files, tmp_path_factory):
    """The ISL model as a bioimage.io zip (TorchScript and i2i weights), test data from the crop."""
    out = tmp_path_factory.mktemp("package")
    command = ["zoo", "export", MODEL, "--name", "isl-dapi", "-o", str(out)]
    command += ["--format", "bioimageio", "--test-image", str(isl_crop_files["phase"])]
    command += ["--licence", "CC-BY-4.0", "--author", "i2i tests"]
    command += ["--weight-format", "torchscript", "--weight-format", "i2i"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    (zipped,) = out.glob("*.zip")
    return zipped


def test_a_bioimageio_package_predicts_what_i2i_predict_writes_with_it(
    viewer, qtbot, isl_crop_files, package, tmp_path
):
    viewer.open(isl_crop_files["phase"], plugin="i2i-microscopy")
    widget = dock_widget(viewer, qtbot)
    assert "*.zip" in widget.weights.filter and "rdf.yaml" in widget.weights.filter
    use_model_file(widget, qtbot, package)
    card = widget.card.value
    assert card.startswith(f"Package: {package.name}\nPredicts: DAPI_CONFOCAL"), card
    assert "z-planes 0-12 (13 planes)" in card
    widget.tile_size.value = 128
    predict(widget, qtbot)

    out = tmp_path / "nucleus.ome.tiff"
    command = ["predict", str(isl_crop_files["phase"]), "-m", str(package), "-o", str(out)]
    result = CliRunner().invoke(app, [*command, "--float32", "--tile-size", "128"])
    assert result.exit_code == 0, result.output
    expected = open_image(out).read()[0, 0, 0]
    np.testing.assert_allclose(viewer.layers["DAPI_CONFOCAL"].data, expected, rtol=1e-5, atol=1e-5)


CITATION = "Tester et al. 2026, https://doi.org/10.1234/i2i-tests"


@pytest.fixture(scope="module")
def tiny_package(shared_data, tmp_path_factory):
    """A tiny UNet as a bioimage.io zip (TorchScript), exported with a modality and citation."""
    out = tmp_path_factory.mktemp("tiny_package")
    weights = save_model(out / "run" / "best.safetensors", TINY_SPEC, "tiny_unet")
    image = next((shared_data / "isl_condition_b").glob("*z_depth-6,channel-PHASE_CONTRAST*"))
    options = ["--format", "bioimageio", "--weight-format", "torchscript"]
    options += ["--modality", "phase-contrast", "--citation", CITATION]
    assert export(weights, out, image, *options) == 0
    return out / "tiny-dapi.bioimageio.zip"


def test_a_package_shows_the_card_it_was_exported_with_as_a_zoo_model_does(
    viewer, qtbot, tiny_package
):
    with zipfile.ZipFile(tiny_package) as archive:
        exported = ModelCard.model_validate(
            yaml.safe_load(archive.read("rdf.yaml"))["config"]["i2i"]["card"]
        )
    widget = dock_widget(viewer, qtbot)
    use_model_file(widget, qtbot, tiny_package)
    assert widget.loaded.card == exported.facts(("Ada Tester",))
    as_zoo_model = LoadedModel(ModelChoice(exported.name, exported, "yes"), widget.loaded.predictor)
    shown = widget.card.value
    assert shown == "\n".join(
        [f"Package: {tiny_package.name}", as_zoo_model.describe(), "Authors: Ada Tester"]
    )
    for line in (
        "Predicts: dapi",
        "Modality: phase-contrast",
        "Pixel size: 0.5 µm",
        "Licence: CC-BY-4.0",
        f"Citation: {CITATION}",
    ):
        assert line in shown.splitlines(), shown
