"""i2i.image: region reads and their errors, ArrayImage, ArraySink, the component Protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from i2i.image import ArrayImage, ArraySink, ImageError, PixelSizes, Reader, Sink, Writer
from i2i.plugins import get_registries


def _image(path: Path, data: Any, reader: str = "fake") -> ArrayImage:
    names = ["DNA", "Mito", "Actin"][: data.shape[1]]
    sizes = PixelSizes(1.0, 0.5, 0.5)
    return ArrayImage(
        data, dims="TCZYX", channel_names=names, pixel_sizes=sizes, path=path, reader=reader
    )


class _Truncated:
    """An array-like whose reads fail as a library's do on a truncated file."""

    shape = (1, 1, 1, 4, 4)
    dtype = np.dtype(np.float64)

    def __getitem__(self, key: Any) -> np.ndarray:
        raise OSError("unexpected end of stream")


@pytest.fixture
def data() -> np.ndarray:
    return np.arange(2 * 3 * 4 * 5 * 6, dtype=np.uint16).reshape(2, 3, 4, 5, 6)


@pytest.fixture
def image(tmp_path: Path, data: np.ndarray) -> ArrayImage:
    return _image(tmp_path / "a.tif", data)


def test_read_selects_channels_by_name_index_list_and_slice(image: ArrayImage, data) -> None:
    np.testing.assert_array_equal(image.read(channel="mito"), data[:, 1:2])
    np.testing.assert_array_equal(image.read(channel=["Actin", 0]), data[:, [2, 0]])
    np.testing.assert_array_equal(image.read(channel=slice(1, None), z=-1), data[:, 1:, 3:4])
    np.testing.assert_array_equal(image.read_plane(channel=2, z=1, t=1), data[1, 2, 1])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"channel": "ER"}, "no channel named 'ER'; it has 3 channel(s): 'DNA', 'Mito'"),
        ({"channel": 3}, "channel index 3 is out of range; it has 3 channel(s) (0..2)"),
        ({"channel": slice(5, 9)}, "selects no channel; the image has 3"),
        ({"z": 4}, "z=4 is out of range; the image has 4 z-planes (z=0..3)"),
        ({"t": 2}, "t=2 is out of range; the image has 2 time points"),
        ({"y": slice(5, 9)}, "y range 5:9 is empty; the image has 5 rows"),
    ],
)
def test_out_of_range_reads_list_what_exists(image: ArrayImage, kwargs: Any, expected: str):
    with pytest.raises(ImageError, match="a.tif") as error:
        image.read(**kwargs)
    assert expected in str(error.value)


def test_library_errors_during_reads_become_image_errors(tmp_path: Path) -> None:
    broken = ArrayImage(_Truncated(), path=tmp_path / "b.tif", reader="fake")
    with pytest.raises(ImageError, match=r"b.tif: reading .* 'fake' reader \(OSError: unexpected"):
        broken.read()


# -- ArrayImage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((5, 6), (1, 1, 1, 5, 6)),
        ((3, 5, 6), (1, 3, 1, 5, 6)),
        ((3, 4, 5, 6), (1, 3, 4, 5, 6)),
        ((2, 3, 4, 5, 6), (2, 3, 4, 5, 6)),
    ],
)
def test_arrays_without_dims_read_by_their_rank(shape, expected) -> None:
    array = np.random.default_rng(0).random(shape).astype(np.float32)
    image = ArrayImage(array)
    assert image.shape == expected and image.dtype == np.float32
    assert image.channel_names == [f"C{i}" for i in range(expected[1])]
    assert image.pixel_sizes == PixelSizes() and image.reader == "array"
    np.testing.assert_array_equal(image.read(), array.reshape(expected))


def test_named_dims_map_onto_tczyx_and_regions_read_from_them() -> None:
    array = np.arange(4 * 5 * 6 * 2).reshape(4, 5, 6, 2)  # Z, Y, X, C
    image = ArrayImage(array, dims="ZYXC", channel_names=["BF", "DNA"])
    assert image.shape == (1, 2, 4, 5, 6) and image.array_dims == "ZYXC"
    window = image.read(channel="dna", z=slice(1, 3), y=slice(2, 4), x=slice(0, 5))
    np.testing.assert_array_equal(window[0, 0], array[1:3, 2:4, 0:5, 1])
    unnamed = ArrayImage(array[None], dims="-ZYXC")  # a size-1 axis with no dim
    np.testing.assert_array_equal(unnamed.read(), image.read())


def test_scattered_channels_read_one_by_one_and_keep_their_order() -> None:
    array = np.arange(4 * 3 * 3).reshape(4, 3, 3)
    image = ArrayImage(array)
    np.testing.assert_array_equal(image.read(channel=[3, 0, 2])[0, :, 0], array[[3, 0, 2]])


def test_pixel_sizes_path_and_describe() -> None:
    sizes = PixelSizes(None, 0.25, 0.25)
    image = ArrayImage(np.zeros((2, 8, 8), np.uint8), pixel_sizes=sizes, path="cells.tif")
    assert image.pixel_sizes == sizes and image.path == Path("cells.tif")
    assert image.describe()["pixel_sizes_um"] == {"z": None, "y": 0.25, "x": 0.25}
    assert image.describe()["shape"] == [1, 2, 1, 8, 8] and image.dims == "TCZYX"
    assert image.describe()["time_increment_s"] is None


def test_pixel_sizes_carry_the_time_increment_in_seconds() -> None:
    sizes = PixelSizes(0.5, 0.1, 0.1, t=4.54)
    assert sizes.t == 4.54 and PixelSizes(0.5, 0.1, 0.1) != sizes
    assert sizes.as_dict() == {"z": 0.5, "y": 0.1, "x": 0.1}  # spatial, in µm
    image = ArrayImage(np.zeros((3, 1, 1, 4, 4)), dims="TCZYX", pixel_sizes=sizes)
    assert image.describe()["time_increment_s"] == 4.54


def test_tensors_are_copied_to_numpy_and_lazy_arrays_are_sliced_per_read() -> None:
    assert ArrayImage(torch.ones(2, 4, 4)).read().shape == (1, 2, 1, 4, 4)
    reads: list[Any] = []

    class Lazy:
        shape, dtype = (3, 8, 8), np.dtype(np.uint16)

        def __getitem__(self, key: Any) -> np.ndarray:
            reads.append(key)
            return np.zeros((8, 8, 8), np.uint16)[:3][key]

    image = ArrayImage(Lazy(), dims="ZYX")
    assert reads == []  # opening reads nothing
    image.read(z=1, y=slice(2, 4))
    assert reads == [(slice(1, 2), slice(2, 4), slice(0, 8))]


def test_close_runs_once() -> None:
    closed: list[bool] = []
    with ArrayImage(np.zeros((4, 4)), on_close=lambda: closed.append(True)) as image:
        image.read()
    image.close()
    assert closed == [True]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"array": np.zeros((2, 2, 2, 2, 2, 2))}, "has no default dims"),
        ({"array": np.zeros((4, 4)), "dims": "ZYX"}, "they name 3 axes, but the array has 2"),
        ({"array": np.zeros((4, 4)), "dims": "YQ"}, "letters other than T, C, Z, Y, X"),
        ({"array": np.zeros((2, 4, 4)), "dims": "YYX"}, "a dim is named twice"),
        ({"array": np.zeros((2, 4)), "dims": "ZY"}, "Y and X are required"),
        ({"array": np.zeros((2, 4, 4)), "dims": "-YX"}, "an axis marked '-' must have size 1"),
        ({"array": np.zeros((2, 4, 4)), "channel_names": ["a"]}, "1 channel name(s) ['a'] for 2"),
    ],
)
def test_bad_dims_and_channel_names_are_clear(kwargs: Any, expected: str) -> None:
    with pytest.raises(ImageError) as error:
        ArrayImage(**kwargs)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("shape", "dims", "expected"),
    [
        ((5, 6), None, (2, 5, 6)),
        ((3, 5, 6), None, (2, 5, 6)),
        ((3, 4, 5, 6), None, (2, 4, 5, 6)),
        ((1, 3, 4, 5, 6), None, (1, 2, 4, 5, 6)),
        ((5, 6), "YX", (1, 2, 4, 5, 6)),
    ],
)
def test_restore_rank_gives_results_the_rank_of_the_array(shape, dims, expected) -> None:
    result = np.zeros((1, 2, 4, 5, 6))
    assert ArrayImage(np.zeros(shape), dims=dims).restore_rank(result).shape == expected


def test_array_sink_stores_regions_in_memory() -> None:
    sink = ArraySink((1, 2, 3, 4, 4))
    assert isinstance(sink, Sink)
    with sink:
        sink.write_region(np.ones((1, 2, 1, 2, 4)), t=0, z=1, y=slice(0, 2))
        sink.write_region(np.full((1, 1, 1, 4, 4), 2.0), z=2, c=slice(1, 2))
    assert sink.array.dtype == np.float32
    assert sink.array[0, :, 1, :2].sum() == 16 and sink.array[0, :, 1, 2:].sum() == 0
    assert sink.array[0, 1, 2].sum() == 32 and sink.array[0, 0, 2].sum() == 0


def test_array_sink_refuses_regions_outside_the_image_like_file_sinks() -> None:
    sink = ArraySink((1, 1, 3, 4, 4))
    with pytest.raises(ImageError, match=r"in-memory output: region z=slice\(3, 4, None\)"):
        sink.write_region(np.ones((1, 1, 1, 4, 4)), z=3)
    with pytest.raises(ImageError, match="y=slice"):
        sink.write_region(np.ones((1, 1, 1, 2, 4)), y=slice(3, 5))


# -- every installed reader and writer meets its Protocol ---------------------------------------


def _installed(kind: str) -> list[str]:
    return [c.name for c in get_registries().kind(kind)]


@pytest.mark.parametrize("name", _installed("readers"))
def test_installed_readers_are_readers(name: str) -> None:
    component = get_registries().readers.get(name)
    reader = component.build(component.example)
    assert isinstance(reader, Reader), f"reader {name!r} lacks can_read or open"
    assert isinstance(getattr(reader, "priority", 0), int)
    assert all(s.startswith(".") for s in getattr(reader, "suffixes", ()))
    for hint in getattr(reader, "install_hints", ()):
        assert hint.package and all(s == s.lower() and s.startswith(".") for s in hint.suffixes)


@pytest.mark.parametrize("name", _installed("writers"))
def test_installed_writers_are_writers_and_open_sinks(name: str, tmp_path: Path) -> None:
    component = get_registries().writers.get(name)
    writer = component.build(component.example)
    assert isinstance(writer, Writer), f"writer {name!r} lacks suffixes, open or write"
    assert writer.suffixes and all(s.startswith(".") for s in writer.suffixes)
    path = tmp_path / f"out{writer.suffixes[0]}"
    sink = writer.open(path, shape=(1, 1, 1, 4, 4), dtype=np.uint8, channel_names=["a"])
    assert isinstance(sink, Sink)
    with sink:
        sink.write_region(np.ones((1, 1, 1, 4, 4), np.uint8), t=0, z=0)
    assert path.exists()


def test_the_image_module_imports_no_io() -> None:
    """i2i.io builds on i2i.image; the reverse import would be a circle."""
    import subprocess
    import sys

    code = "import sys, i2i.image; print('i2i.io' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
