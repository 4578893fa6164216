"""The reader and writer contributions in a real viewer: formats, names, scale, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from i2i.image import ImageError
from i2i.io import open_image
from i2i.naming import image_stem
from i2i_plugins.napari_i2i.reader import get_reader
from i2i_plugins.napari_i2i.samples import isl_phase_files
from i2i_plugins.napari_i2i.writer import write_image_layers

PLUGIN = "i2i-microscopy"


def test_an_ome_tiff_opens_with_its_channel_name_and_pixel_size(viewer, isl_crop_files):
    (layer,) = viewer.open(isl_crop_files["dapi"], plugin=PLUGIN)
    assert layer.name == "DAPI"
    np.testing.assert_allclose(layer.scale, [0.5, 0.5])
    assert [str(unit) for unit in layer.units] == ["micrometer", "micrometer"]
    np.testing.assert_array_equal(layer.data, open_image(isl_crop_files["dapi"]).read_plane())


def test_a_z_stack_opens_as_one_zyx_layer(viewer, isl_crop_files):
    (layer,) = viewer.open(isl_crop_files["phase"], plugin=PLUGIN)
    assert layer.name == "phase" and layer.data.shape == (13, 256, 256)
    np.testing.assert_allclose(layer.scale, [1.0, 0.5, 0.5])  # z size unknown: 1 pixel
    assert [str(unit) for unit in layer.units] == ["pixel", "micrometer", "micrometer"]
    assert layer.metadata["i2i"]["axes"] == ["Z", "Y", "X"]


def test_a_png_opens_named_after_its_file(viewer, shared_data):
    path = isl_phase_files(shared_data / "isl_condition_b")[0]
    (layer,) = viewer.open(path, plugin=PLUGIN)
    assert layer.name == image_stem(path)
    assert layer.data.shape == (1024, 1024) and layer.data.dtype == np.uint16


def test_a_bio_formats_ome_tiff_keeps_t_z_and_its_physical_sizes(viewer, shared_data):
    path = shared_data / "nellie_yeast_mito" / "yeast_3d_mitochondria.ome.tif"
    (layer,) = viewer.open(path, plugin=PLUGIN)
    assert layer.data.shape == (30, 17, 192, 279)
    np.testing.assert_allclose(layer.scale, [4.54, 0.25, 0.0655, 0.0655], rtol=1e-3)


def test_files_i2i_cannot_read_are_left_to_other_readers(tmp_path):
    text = tmp_path / "notes.tif"
    text.write_text("not an image")
    assert get_reader(str(text)) is None
    assert get_reader(str(tmp_path / "missing.ome.tiff")) is None


@pytest.mark.parametrize("suffix", [".ome.zarr", ".ome.tiff"])
def test_prediction_layers_save_as_channels_and_read_back_with_i2i_and_bioio(
    viewer, tmp_path, suffix
):
    from bioio import BioImage

    rng = np.random.default_rng(0)
    nucleus = rng.random((64, 80), dtype=np.float32)
    mito = rng.random((64, 80), dtype=np.float32)
    viewer.add_image(nucleus, name="nucleus", scale=(0.65, 0.65))
    viewer.add_image(mito, name="mitochondria", scale=(0.65, 0.65))
    path = tmp_path / f"prediction{suffix}"
    (written,) = viewer.layers.save(str(path), plugin=PLUGIN)
    assert written == str(path)

    image = open_image(path)
    assert image.channel_names == ["nucleus", "mitochondria"]
    assert image.pixel_sizes.x == pytest.approx(0.65) and image.pixel_sizes.y == pytest.approx(0.65)
    np.testing.assert_array_equal(image.read()[0, :, 0], np.stack([nucleus, mito]))
    bio = BioImage(path)
    assert list(bio.channel_names) == ["nucleus", "mitochondria"]
    size_x = bio.physical_pixel_sizes.X
    assert size_x == pytest.approx(0.65)
    np.testing.assert_array_equal(bio.get_image_data("CYX", T=0, Z=0), np.stack([nucleus, mito]))

    viewer.layers.clear()
    reopened = viewer.open(path, plugin=PLUGIN)  # and back into napari, one layer per channel
    assert [layer.name for layer in reopened] == ["nucleus", "mitochondria"]
    np.testing.assert_allclose(reopened[1].scale, [0.65, 0.65], rtol=1e-6)
    np.testing.assert_array_equal(reopened[1].data, mito)


def test_one_selected_layer_saves_as_a_one_channel_image(viewer, tmp_path):
    stack = np.arange(3 * 16 * 16, dtype=np.uint16).reshape(3, 16, 16)
    layer = viewer.add_image(stack, name="stack", scale=(2.0, 0.5, 0.5))
    viewer.layers.selection = {layer}
    path = tmp_path / "stack.ome.tiff"
    viewer.layers.save(str(path), selected=True, plugin=PLUGIN)
    image = open_image(path)
    assert image.shape == (1, 1, 3, 16, 16) and image.channel_names == ["stack"]
    assert (image.pixel_sizes.z, image.pixel_sizes.x) == pytest.approx((2.0, 0.5))
    np.testing.assert_array_equal(image.read()[0, 0], stack)


def test_layers_of_different_shapes_are_refused_with_their_names(tmp_path):
    layers = [
        (np.zeros((8, 8)), {"name": "a", "scale": [1, 1]}, "image"),
        (np.zeros((8, 9)), {"name": "b", "scale": [1, 1]}, "image"),
    ]
    with pytest.raises(ImageError, match=r"differ in shape \('a' \(8, 8\), 'b' \(8, 9\)\)"):
        write_image_layers(str(tmp_path / "x.ome.zarr"), layers)
    assert list(tmp_path.iterdir()) == []
