"""i2i.io: reader choice, install hints from reader metadata, writer choice, write and convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import i2i
from i2i.image import ArrayImage, Image, ImageError, InstallHint, PixelSizes
from i2i.io import convert_image, get_writer, open_image, write_image
from i2i.registry import Params


class _NoParams(Params):
    pass


class _Reader:
    def __init__(self, name: str, priority: int, accepts: bool, suffixes: tuple[str, ...] = ()):
        self.name, self.priority, self.accepts, self.suffixes = name, priority, accepts, suffixes

    def can_read(self, path: Path) -> bool:
        return self.accepts

    def open(self, path: Path) -> Image:
        return ArrayImage(np.zeros((2, 2), np.uint8), path=path, reader=self.name)


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
        def reader(name: str, priority: int, accepts: bool) -> None:
            registries.readers.add(
                name,
                params=_NoParams,
                factory=lambda p: _Reader(name, priority, accepts, (".tif",)),
                description="Test reader.",
            )

        reader("low", 1, True)
        reader("high", 5, False)
        reader("mid", 3, True)
        for name, writer in self.writers.items():
            registries.writers.add(
                name, params=_NoParams, factory=lambda p, w=writer: w, description="Test writer."
            )


class _VendorReader(_Reader):
    """Reads nothing yet; names the packages that would let it read vendor formats."""

    install_hints = (
        InstallHint("acme-czi", (".czi",)),
        InstallHint("acme-everything", note="needs Java"),
    )


class _VendorIO:
    @i2i.hookimpl
    def i2i_register(self, registries: Any) -> None:
        registries.readers.add(
            "vendor",
            params=_NoParams,
            factory=lambda p: _VendorReader("vendor", 0, False),
            description="Test reader with install hints.",
        )


@pytest.fixture
def fake_io(i2i_host: Any) -> _FakeIO:
    plugin = _FakeIO()
    i2i_host.add_plugin(plugin)
    return plugin


def test_open_image_asks_readers_by_priority(fake_io: _FakeIO, tmp_path: Path) -> None:
    path = tmp_path / "a.tif"
    path.write_bytes(b"x")
    assert open_image(path).reader == "mid"  # high declines; mid (3) before low (1)
    assert open_image(path, reader="low").reader == "low"


def test_open_image_errors_name_the_file(fake_io: _FakeIO, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file or folder"):
        open_image(tmp_path / "missing.tif")


def test_unsupported_format_names_the_package_from_reader_metadata(i2i_host: Any, tmp_path: Path):
    i2i_host.add_plugin(_VendorIO())
    path = tmp_path / "scan.czi"
    path.write_bytes(b"ZISRAWFILE")
    with pytest.raises(ImageError, match=r"scan.czi: no installed reader .* readers: vendor") as e:
        open_image(path)
    assert "pip install acme-czi'; i2i's 'vendor' reader then reads it" in str(e.value)
    assert "acme-czi (.czi), acme-everything (most others; needs Java)" in str(e.value)
    other = tmp_path / "scan.xyz"
    other.write_bytes(b"?")
    with pytest.raises(ImageError, match=r"pip install acme-everything' \(needs Java\)"):
        open_image(other)


def test_unsupported_format_without_hints_asks_for_a_reader_plugin(i2i_host: Any, tmp_path):
    path = tmp_path / "scan.czi"
    path.write_bytes(b"ZISRAWFILE")
    with pytest.raises(ImageError, match=r"scan.czi: no installed reader .* readers: none") as e:
        open_image(path)
    assert "Install a reader plugin for this format." in str(e.value)


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


def test_convert_image_copies_band_by_band(tmp_path: Path) -> None:
    data = np.arange(2 * 3 * 4 * 5 * 6, dtype=np.uint16).reshape(2, 3, 4, 5, 6)
    names, sizes = ["DNA", "Mito", "Actin"], PixelSizes(1.0, 0.5, 0.5)
    image = ArrayImage(data, dims="TCZYX", channel_names=names, pixel_sizes=sizes)

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
    np.testing.assert_array_equal(sink.array, data)
    assert sink.calls == 2 * 4 * 3  # t × z × bands of 2 rows (5 rows)


def test_get_writer_takes_a_spec_with_or_without_a_name(tmp_path: Path) -> None:
    zarr_v3 = get_writer(tmp_path / "a.ome.zarr", {"name": "ome_zarr", "zarr_format": 3})
    assert zarr_v3.writer.params.zarr_format == 3  # type: ignore[attr-defined]
    by_suffix = get_writer(tmp_path / "b.ome.zarr", {"chunk": 64})
    assert by_suffix.writer.params.chunk == 64  # type: ignore[attr-defined]
    with pytest.raises(ImageError, match=r"'ome_tiff' writer does not accept \{'zarr_format'"):
        get_writer(tmp_path / "c.ome.tif", {"zarr_format": 3})


def test_write_image_replaces_an_earlier_image_but_not_other_files(tmp_path: Path) -> None:
    from i2i.outputs import OutputExistsError

    out = tmp_path / "a.ome.tif"
    write_image(out, np.zeros((4, 4), np.uint8))
    write_image(out, np.ones((4, 4), np.uint8))  # an earlier image: replaced
    assert open_image(out).read().min() == 1
    table = tmp_path / "b.ome.tif"
    table.write_text("x,y\n1,2\n")
    with pytest.raises(OutputExistsError, match="b.ome.tif exists and is a file of 8 bytes"):
        write_image(table, np.ones((4, 4), np.uint8))
    assert table.read_text() == "x,y\n1,2\n"
    write_image(table, np.ones((4, 4), np.uint8), overwrite=True)
    assert open_image(table).read().max() == 1
