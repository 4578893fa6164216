"""A bioimage.io package as the widget's model: its card, and exactly 'i2i predict -m package'.

The package is the bundled ISL model exported by ``i2i zoo export --format bioimageio``; the
widget opens it through the core (``load_predictor`` and the ``i2i_open_model_package`` hook
that the bioimageio plugin implements), never through the bioimageio plugin itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from napari_support import MODEL, dock_widget, predict, use_model_file
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image

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
