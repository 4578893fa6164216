"""docs/plates.md, "Opening a plate in napari": its Python block runs as written in a real
headless viewer (napari's make_napari_viewer), after the predictions were written into the
plate with --into; and the plate grid that napari-ome-zarr shows is what ome-zarr-py reads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from plate_support import page_block, write_screen
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image
from i2i_plugins.hcs_plates.metadata import read_plate

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
napari = pytest.importorskip("napari", reason="the napari test needs the 'napari-test' extra")
pytest.importorskip("pytestqt", reason="the napari test needs the 'napari-test' extra")

runner = CliRunner()
EXPORT = "BR00116991__2020-11-05T19_51_35-Measurement1"


@pytest.fixture
def predicted_screen(shared_data, tmp_path: Path) -> Path:
    """The docs' screen converted to BR00116991.ome.zarr, its DNA predicted --into it."""
    screen = write_screen(shared_data, tmp_path)
    plate = screen / "BR00116991.ome.zarr"
    assert runner.invoke(app, ["plate", "convert", str(screen / EXPORT), str(plate)]).exit_code == 0
    args = ["predict", str(plate), "-m", str(screen / "jump_dna.safetensors"), "--into"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return screen


def test_the_napari_block_overlays_the_field_and_its_prediction(
    predicted_screen, make_napari_viewer, monkeypatch
):
    viewer = make_napari_viewer()
    monkeypatch.setattr(napari, "Viewer", lambda *args, **kwargs: viewer)
    monkeypatch.setattr(napari, "run", lambda *args, **kwargs: None)
    monkeypatch.chdir(predicted_screen)
    exec(compile(page_block("## Opening a plate in napari", "python"), "plates.md", "exec"), {})
    names = [layer.name for layer in viewer.layers]
    assert names[:4] == ["BF_over", "BF_under", "BF_focus", "DNA"] and len(names) == 5
    assert names[4].startswith("DNA")  # the predicted DNA (napari numbers a repeated name)
    for layer in viewer.layers:
        assert tuple(layer.scale)[-2:] == pytest.approx((0.598, 0.598))
    field = predicted_screen / "BR00116991.ome.zarr" / "B" / "03" / "0"
    with open_image(field) as image, open_image(field / "predictions" / "DNA") as predicted:
        real, dna = image.read_plane(channel="DNA"), predicted.read_plane()
    np.testing.assert_array_equal(np.asarray(viewer.layers[3].data), real)
    np.testing.assert_array_equal(np.asarray(viewer.layers[4].data), dna)


def test_the_plate_grid_napari_ome_zarr_shows_is_what_ome_zarr_py_reads(predicted_screen):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    path = predicted_screen / "BR00116991.ome.zarr"
    (node,) = list(Reader(parse_url(str(path)))())[:1]
    grid = np.asarray(node.data[0])  # (C, rows·Y, columns·X): the first field of each well
    plate = read_plate(path)
    assert grid.shape[-2:] == (len(plate.rows) * 256, len(plate.columns) * 256)
    assert node.metadata["channel_names"] == ["BF_over", "BF_under", "BF_focus", "DNA"]
    row, column = plate.rows.index("B"), plate.columns.index("03")
    with open_image(path / "B" / "03" / "0") as image:
        tile = grid[..., row * 256 : (row + 1) * 256, column * 256 : (column + 1) * 256]
        np.testing.assert_array_equal(tile.reshape(image.read().shape), image.read())
