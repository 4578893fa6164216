"""i2i.image: region reads and their errors, reader choice, writer choice, write_image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import i2i
from i2i.image import (
    Image,
    ImageError,
    PixelSizes,
    convert_image,
    get_writer,
    open_image,
    write_image,
)
from i2i.registry import Params


class _ArrayImage(Image):
    def __init__(self, path: Path, data: np.ndarray, reader: str = "fake", fail: bool = False):
        self.path, self.reader, self._data, self._fail = path, reader, data, fail

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        t, c, z, y, x = self._data.shape
        return t, c, z, y, x

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def channel_names(self) -> list[str]:
        return ["DNA", "Mito", "Actin"][: self._data.shape[1]]

    @property
    def pixel_sizes(self) -> PixelSizes:
        return PixelSizes(1.0, 0.5, 0.5)

    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> np.ndarray:
        if self._fail:
            raise OSError("unexpected end of stream")
        return self._data[t, c, z, y, x]


class _Reader:
    def __init__(self, name: str, priority: int, accepts: bool, suffixes: tuple[str, ...] = ()):
        self.name, self.priority, self.accepts, self.suffixes = name, priority, accepts, suffixes

    def can_read(self, path: Path) -> bool:
        return self.accepts

    def open(self, path: Path) -> Image:
        return _ArrayImage(path, np.zeros((1, 1, 1, 2, 2), np.uint8), reader=self.name)


class _Writer:
    def __init__(self, suffixes: tuple[str, ...]):
        self.suffixes = suffixes
        self.written: list[tuple[Path, np.ndarray, Any]] = []

    def write(self, path: Path, array: np.ndarray, *, channel_names: Any, pixel_sizes: Any):
        self.written.append((path, array, channel_names))


class _FakeIO:
    """Readers ``low`` (priority 1), ``mid`` (3), ``high`` (5, declines all); two writers."""

    def __init__(self) -> None:
        self.writers = {"plain": _Writer((".x",)), "ome": _Writer((".ome.x",))}

    @i2i.hookimpl
    def i2i_register(self, registries: Any) -> None:
        class NoParams(Params):
            pass

        def reader(name: str, priority: int, accepts: bool) -> None:
            registries.readers.add(
                name,
                params=NoParams,
                factory=lambda p: _Reader(name, priority, accepts, (".tif",)),
                description="Test reader.",
            )

        reader("low", 1, True)
        reader("high", 5, False)
        reader("mid", 3, True)
        for name, writer in self.writers.items():
            registries.writers.add(
                name, params=NoParams, factory=lambda p, w=writer: w, description="Test writer."
            )


@pytest.fixture
def fake_io(i2i_host: Any) -> _FakeIO:
    plugin = _FakeIO()
    i2i_host.add_plugin(plugin)
    return plugin


@pytest.fixture
def image(tmp_path: Path) -> _ArrayImage:
    data = np.arange(2 * 3 * 4 * 5 * 6, dtype=np.uint16).reshape(2, 3, 4, 5, 6)
    return _ArrayImage(tmp_path / "a.tif", data)


def test_read_selects_channels_by_name_index_list_and_slice(image: _ArrayImage) -> None:
    data = image._data
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
def test_out_of_range_reads_list_what_exists(image: _ArrayImage, kwargs: Any, expected: str):
    with pytest.raises(ImageError, match="a.tif") as error:
        image.read(**kwargs)
    assert expected in str(error.value)


def test_library_errors_during_reads_become_image_errors(tmp_path: Path) -> None:
    broken = _ArrayImage(tmp_path / "b.tif", np.zeros((1, 1, 1, 4, 4)), fail=True)
    with pytest.raises(ImageError, match=r"b.tif: reading .* 'fake' reader \(OSError: unexpected"):
        broken.read()


def test_open_image_asks_readers_by_priority(fake_io: _FakeIO, tmp_path: Path) -> None:
    path = tmp_path / "a.tif"
    path.write_bytes(b"x")
    assert open_image(path).reader == "mid"  # high declines; mid (3) before low (1)
    assert open_image(path, reader="low").reader == "low"


def test_open_image_errors_name_the_file(fake_io: _FakeIO, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file or folder"):
        open_image(tmp_path / "missing.tif")


def test_unsupported_format_names_the_bioio_plugin(i2i_host: Any, tmp_path: Path) -> None:
    path = tmp_path / "scan.czi"
    path.write_bytes(b"ZISRAWFILE")
    with pytest.raises(ImageError, match=r"scan.czi: no installed reader .* readers: none") as e:
        open_image(path)
    assert "pip install bioio-czi" in str(e.value)


def test_write_image_chooses_the_longest_matching_suffix(fake_io: _FakeIO, tmp_path: Path):
    write_image(tmp_path / "a.ome.x", np.ones((3, 4, 5), np.uint8), channel_names=["a", "b", "c"])
    write_image(tmp_path / "b.x", np.ones((4, 5), np.uint8))
    ((ome_path, ome_array, names),) = fake_io.writers["ome"].written
    ((plain_path, plain_array, _),) = fake_io.writers["plain"].written
    assert (ome_path.name, ome_array.shape, names) == ("a.ome.x", (1, 3, 1, 4, 5), ["a", "b", "c"])
    assert (plain_path.name, plain_array.shape) == ("b.x", (1, 1, 1, 4, 5))


def test_unknown_output_suffix_and_bad_writer_params_are_clear(fake_io: _FakeIO, tmp_path: Path):
    with pytest.raises(ImageError, match=r"out.png: no installed writer .* \.ome\.x, \.x\."):
        get_writer(tmp_path / "out.png")
    with pytest.raises(ImageError, match=r"'plain' writer does not accept \{'chunk': 3\}"):
        get_writer(tmp_path / "out.x", chunk=3)
    with pytest.raises(ImageError, match="cannot write a 6-D array"):
        write_image(tmp_path / "c.x", np.zeros((1,) * 6))


def test_convert_image_copies_band_by_band(image: _ArrayImage, tmp_path: Path) -> None:
    class Sink:
        def __init__(self) -> None:
            self.array = np.zeros(image.shape, image.dtype)
            self.calls = 0

        def __enter__(self) -> Sink:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def write_region(self, block: np.ndarray, *, t: int, z: int, c: slice, y: slice, x: slice):
            self.array[t : t + 1, c, z : z + 1, y, x] = block
            self.calls += 1

    sink = Sink()

    class Writer:
        suffixes = (".any",)

        def open(self, path: Path, **metadata: Any) -> Sink:
            assert metadata["channel_names"] == ["DNA", "Mito", "Actin"]
            assert metadata["pixel_sizes"] == PixelSizes(1.0, 0.5, 0.5)
            return sink

    convert_image(image, tmp_path / "out.any", writer=Writer(), band_rows=2)
    np.testing.assert_array_equal(sink.array, image._data)
    assert sink.calls == 2 * 4 * 3  # t × z × bands of 2 rows (5 rows)
