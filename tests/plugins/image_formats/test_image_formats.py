"""The image_formats plugin: real files, round trips, lazy region reads, atomic writes, CLI."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import ImageError, PixelSizes
from i2i.io import get_writer, open_image, write_image
from i2i.plugins import get_registries
from i2i.testing import check_component
from i2i_plugins.image_formats.axes import standard_axes
from i2i_plugins.image_formats.units import to_micrometres

NELLIE = "nellie_yeast_mito/yeast_3d_mitochondria.ome.tif"
runner = CliRunner()


# -- components ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["readers", "writers"])
def test_components_meet_the_contract(kind: str) -> None:
    components = [c for c in get_registries().kind(kind) if c.provider == "image_formats"]
    assert {c.name for c in components} >= {"ome_tiff", "ome_zarr"}
    for component in components:
        check_component(component)
        built = component.build(component.example)
        if kind == "readers":
            assert callable(built.can_read) and callable(built.open)
        else:
            assert built.suffixes and callable(built.open) and callable(built.write)


@pytest.mark.parametrize(
    ("axes", "shape", "expected"),
    [
        ("YXS", (4, 5, 3), "YXC"),
        ("TCZYXS", (1, 1, 1, 4, 5, 3), "T-ZYXC"),
        ("IYX", (3, 4, 5), "ZYX"),
        ("QQYX", (2, 3, 4, 5), "ZTYX"),
        ("TZQYX", (2, 3, 1, 4, 5), "TZ-YX"),
    ],
)
def test_library_axes_map_onto_tczyx(axes: str, shape: tuple[int, ...], expected: str) -> None:
    assert standard_axes(axes, shape, Path("f")) == expected


def test_more_than_five_dims_is_a_clear_error() -> None:
    with pytest.raises(ImageError, match="more than the five dims"):
        standard_axes("TCZQYX", (2, 2, 2, 2, 4, 4), Path("f"))


def test_units_convert_to_micrometres() -> None:
    assert to_micrometres(500, "nm") == pytest.approx(0.5)
    assert to_micrometres("0.25", "\u03bcm") == 0.25
    assert to_micrometres(2, "micrometer") == 2
    assert to_micrometres(3, "\\u00B5m") == 3  # as ImageJ writes it
    assert to_micrometres(1, "pixel") is None
    assert to_micrometres(None, "µm") is None


# -- real files ---------------------------------------------------------------------------------


def test_bio_formats_ome_tiff_reads_with_its_metadata(shared_data: Path) -> None:
    import tifffile

    path = shared_data / NELLIE
    with open_image(path) as image:
        assert image.reader == "ome_tiff"
        assert image.shape == (30, 1, 17, 192, 279)
        assert image.dtype == np.uint16
        assert image.pixel_sizes == PixelSizes(z=0.25, y=0.0655, x=0.0655, t=4.535566806793213)
        assert image.channel_names == ["Channel:0:0"]  # the OME Channel ID, as bioio names it
        window = image.read(t=7, z=slice(3, 5), y=slice(100, 164), x=slice(200, 279))
    with tifffile.TiffFile(path) as tif:
        plane = tif.pages[7 * 17 + 3].asarray()  # pages in XYCZT order
    assert window.shape == (1, 1, 2, 64, 79)
    np.testing.assert_array_equal(window[0, 0, 0], plane[100:164, 200:279])


def test_ome_tiff_metadata_agrees_with_bioio(shared_data: Path) -> None:
    from bioio import BioImage

    reference = BioImage(shared_data / NELLIE)
    with open_image(shared_data / NELLIE) as image:
        assert image.shape == reference.shape
        assert image.channel_names == [str(n) for n in reference.channel_names]
        sizes = reference.physical_pixel_sizes
        spatial = dataclasses.replace(image.pixel_sizes, t=None)  # bioio-ome-tiff reads no t
        assert spatial == PixelSizes(sizes.Z, sizes.Y, sizes.X)


@pytest.mark.parametrize("name", ["under", "focus", "over"])
def test_jump_plain_tiffs(shared_data: Path, name: str) -> None:
    import tifffile

    path = shared_data / f"jump_cpg0000_bf/brightfield_{name}.tiff"
    with open_image(path) as image:
        assert (image.reader, image.shape, image.dtype) == ("tiff", (1, 1, 1, 512, 512), "uint16")
        assert image.pixel_sizes == PixelSizes()  # resolution 1/1 without unit: unknown
        np.testing.assert_array_equal(image.read_plane(), tifffile.imread(path))


def test_isl_16_bit_pngs_with_commas_in_names(shared_data: Path) -> None:
    from PIL import Image as PILImage

    paths = sorted((shared_data / "isl_condition_b").glob("*DAPI_CONFOCAL*.png"))
    assert paths and "," in paths[0].name
    with open_image(paths[0]) as image:
        assert (image.reader, image.shape, image.dtype) == ("png", (1, 1, 1, 1024, 1024), "uint16")
        with PILImage.open(paths[0]) as picture:
            expected = np.asarray(picture)
        np.testing.assert_array_equal(
            image.read(y=slice(10, 30), x=slice(0, 7))[0, 0, 0], expected[10:30, :7]
        )


def test_rgb_png_samples_become_channels_in_both_readers(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    rgb = np.random.default_rng(2).integers(0, 255, (6, 7, 3), dtype=np.uint8)
    PILImage.fromarray(rgb).save(tmp_path / "rgb.png")
    for reader in ("png", "bioio"):
        with open_image(tmp_path / "rgb.png", reader=reader) as image:
            assert image.shape == (1, 3, 1, 6, 7), reader
            np.testing.assert_array_equal(
                image.read(channel=[2, 1])[0, :, 0], rgb[..., [2, 1]].transpose(2, 0, 1)
            )
    assert open_image(tmp_path / "rgb.png").channel_names == ["R", "G", "B"]


def test_imagej_hyperstack_pixel_sizes(tmp_path: Path) -> None:
    import tifffile

    stack = np.arange(2 * 3 * 4 * 5, dtype=np.uint16).reshape(3, 2, 4, 5)  # (Z, C, Y, X)
    tifffile.imwrite(
        tmp_path / "hyper.tif",
        stack,
        imagej=True,
        resolution=(1 / 0.2, 1 / 0.2),
        metadata={"axes": "ZCYX", "unit": "um", "spacing": 1.5},
    )
    with open_image(tmp_path / "hyper.tif") as image:
        assert image.reader == "tiff" and image.shape == (1, 2, 3, 4, 5)
        assert image.pixel_sizes == PixelSizes(1.5, pytest.approx(0.2), pytest.approx(0.2))
        np.testing.assert_array_equal(image.read()[0], stack.transpose(1, 0, 2, 3))


# -- round trips --------------------------------------------------------------------------------

_NAMES = st.text(alphabet="abcXYZ019_- .µ&<", min_size=1, max_size=8)
_SIZE = st.one_of(st.none(), st.floats(0.01, 20, allow_nan=False).map(lambda v: round(v, 4)))


@st.composite
def _images(draw: st.DrawFn) -> tuple[np.ndarray, list[str], PixelSizes]:
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 2)),
        draw(st.integers(1, 40)),
        draw(st.integers(1, 40)),
    )
    dtype = np.dtype(draw(st.sampled_from(["uint8", "uint16", "float32"])))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if dtype.kind == "f":
        array = rng.normal(size=shape).astype(dtype)
    else:
        array = rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True).astype(dtype)
    names = draw(st.lists(_NAMES, min_size=shape[1], max_size=shape[1]))
    return array, names, PixelSizes(draw(_SIZE), draw(_SIZE), draw(_SIZE))


def _round_trip(name: str, data: tuple[np.ndarray, list[str], PixelSizes], **params: object):
    array, names, sizes = data
    with tempfile.TemporaryDirectory() as folder:
        path = write_image(Path(folder) / name, array, names, sizes, **params)
        with open_image(path) as image:
            assert image.shape == array.shape
            assert image.dtype == array.dtype
            assert image.channel_names == names
            assert image.pixel_sizes == sizes
            np.testing.assert_array_equal(image.read(), array)
            if array.shape[1] > 1:
                np.testing.assert_array_equal(image.read(channel=[-1, 0]), array[:, [-1, 0]])


@settings(max_examples=15, deadline=None)
@given(data=_images(), zarr_format=st.sampled_from([2, 3]), pyramid=st.integers(0, 2))
def test_ome_zarr_round_trip(data, zarr_format: int, pyramid: int) -> None:
    _round_trip("a.ome.zarr", data, zarr_format=zarr_format, pyramid=pyramid, chunk=16)


@settings(max_examples=15, deadline=None)
@given(data=_images(), chunk=st.sampled_from([16, 256]))
def test_ome_tiff_round_trip(data, chunk: int) -> None:
    _round_trip("a.ome.tif", data, chunk=chunk)


def test_ome_zarr_metadata_is_ngff(tmp_path: Path) -> None:
    array = np.zeros((1, 2, 3, 20, 30), np.uint16)
    sizes = PixelSizes(1.5, 0.25, 0.25)
    write_image(tmp_path / "v2.ome.zarr", array, ["DNA", "Mito"], sizes, pyramid=1)
    write_image(tmp_path / "v3.ome.zarr", array, ["DNA", "Mito"], sizes, zarr_format=3)
    v2 = json.loads((tmp_path / "v2.ome.zarr/.zattrs").read_text())
    v3 = json.loads((tmp_path / "v3.ome.zarr/zarr.json").read_text())["attributes"]["ome"]
    assert v2["multiscales"][0]["version"] == "0.4" and v3["version"] == "0.5"
    datasets = v2["multiscales"][0]["datasets"]
    assert [d["coordinateTransformations"][0]["scale"] for d in datasets] == [
        [1.0, 1.0, 1.5, 0.25, 0.25],
        [1.0, 1.0, 1.5, 0.5, 0.5],
    ]
    assert [c["label"] for c in v3["omero"]["channels"]] == ["DNA", "Mito"]
    axes = v3["multiscales"][0]["axes"]
    units = [(a["name"], a.get("unit")) for a in axes]
    assert units[2:] == [("z", "micrometer"), ("y", "micrometer"), ("x", "micrometer")]


def test_outputs_read_back_through_bioio(tmp_path: Path) -> None:
    from bioio import BioImage

    array = np.arange(2 * 10 * 12, dtype=np.uint16).reshape(1, 2, 1, 10, 12)
    for name in ("a.ome.zarr", "a.ome.tif"):
        path = write_image(tmp_path / name, array, ["DNA", "Mito"], PixelSizes(None, 0.3, 0.3))
        image = BioImage(path)
        assert [str(n) for n in image.channel_names] == ["DNA", "Mito"]
        assert (image.physical_pixel_sizes.Y, image.physical_pixel_sizes.X) == (0.3, 0.3)
        np.testing.assert_array_equal(image.data, array)
    generic = open_image(tmp_path / "a.ome.tif", reader="bioio")
    assert generic.reader == "bioio[bioio-ome-tiff]"
    np.testing.assert_array_equal(
        generic.read(channel="Mito", x=slice(3, 5)), array[:, 1:, :, :, 3:5]
    )


# -- lazy region reads --------------------------------------------------------------------------


def _spoil_except(files: list[Path], keep: set[Path]) -> None:
    for file in files:
        if file not in keep:
            file.write_bytes(b"not a compressed chunk")


def test_ome_zarr_window_reads_only_its_chunks(tmp_path: Path) -> None:
    array = np.random.default_rng(0).integers(0, 999, (1, 1, 1, 64, 64)).astype(np.uint16)
    path = write_image(tmp_path / "a.ome.zarr", array, chunk=16)
    chunks = [f for f in (path / "0").rglob("*") if f.is_file() and not f.name.startswith(".")]
    # the window y 16:40, x 0:20 crosses chunk rows 1-2 and chunk columns 0-1
    keep = {f for f in chunks if f.parts[-2] in "12" and f.parts[-1] in "01"}
    assert len(chunks) == 16 and len(keep) == 4
    _spoil_except(chunks, keep)
    image = open_image(path)
    window = image.read(y=slice(16, 40), x=slice(0, 20))
    np.testing.assert_array_equal(window, array[..., 16:40, 0:20])
    with pytest.raises(ImageError, match="a.ome.zarr: reading .* 'ome_zarr' reader"):
        image.read()


def test_ome_tiff_window_of_a_large_plane_reads_only_its_tiles(tmp_path: Path) -> None:
    import tifffile

    array = np.random.default_rng(1).integers(0, 999, (1, 1, 1, 1024, 1024)).astype(np.uint16)
    path = write_image(tmp_path / "a.ome.tif", array, chunk=128)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tiles = list(zip(page.dataoffsets, page.databytecounts, strict=True))
    assert len(tiles) == 64
    with path.open("r+b") as handle:
        for index, (offset, count) in enumerate(tiles):
            if index // 8 != 2:  # keep tile row 2 (y 256:384) only
                handle.seek(offset)
                handle.write(b"\xff" * count)
    image = open_image(path)
    np.testing.assert_array_equal(image.read(y=slice(260, 380)), array[..., 260:380, :])
    with pytest.raises(ImageError, match="a.ome.tif: reading"):
        image.read(y=slice(0, 300))


def test_small_planes_are_read_page_by_page(shared_data: Path) -> None:
    from i2i_plugins.image_formats.tiff_reader import TiffPixels

    with open_image(shared_data / NELLIE) as image:
        pixels = image._array
        assert isinstance(pixels, TiffPixels)
        assert pixels.by_segment.chunks == (1, 1, 1, 279)  # one-row strips
        window = (3, 4, slice(10, 74), slice(0, 64))
        assert pixels._cost(pixels.page_chunks, window) < pixels._cost(
            pixels.by_segment.chunks, window
        )
        # Pages decoded by tifffile equal the zarr view, for one page and for several.
        for key in (window, (slice(2, 5), 0, slice(3, 9), slice(None)), (0, 0, 16, slice(5, 9))):
            assert np.array_equal(pixels._read_pages(key), pixels.by_segment[key])
        whole = image.read()
    assert whole.shape == (30, 1, 17, 192, 279)


# -- atomic region writes -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.ome.zarr", "out.ome.tif"])
def test_region_writes_appear_only_when_complete(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_image(path, np.full((1, 1, 1, 8, 8), 7, np.uint8))  # an older output
    writer = get_writer(path)
    with writer.open(
        path,
        shape=(1, 2, 1, 8, 8),
        dtype=np.uint8,
        channel_names=["a", "b"],
        pixel_sizes=PixelSizes(None, 0.5, 0.5),
    ) as sink:
        for rows in (slice(0, 5), slice(5, 8)):
            sink.write_region(
                np.ones((1, 2, 1, rows.stop - rows.start, 8), np.uint8),
                t=0,
                z=0,
                c=None,
                y=rows,
                x=slice(0, 8),
            )
        assert open_image(path).read().max() == 7  # still the old file
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    image = open_image(path)
    assert image.channel_names == ["a", "b"] and image.read().min() == 1


@pytest.mark.parametrize("name", ["out.ome.zarr", "out.ome.tif"])
def test_failed_region_writes_leave_nothing(tmp_path: Path, name: str) -> None:
    writer = get_writer(tmp_path / name)
    with (
        pytest.raises(RuntimeError, match="model crashed"),
        writer.open(
            tmp_path / name,
            shape=(1, 1, 1, 8, 8),
            dtype=np.float32,
            channel_names=None,
            pixel_sizes=None,
        ) as sink,
    ):
        sink.write_region(np.zeros((1, 1, 1, 4, 8), np.float32), y=slice(0, 4), x=slice(0, 8))
        raise RuntimeError("model crashed")
    assert list(tmp_path.iterdir()) == []


def test_region_write_errors_name_the_region(tmp_path: Path) -> None:
    writer = get_writer(tmp_path / "o.ome.zarr")
    with (
        pytest.raises(ImageError, match=r"shape \(1, 1, 1, 2, 2\) does not fit"),
        writer.open(tmp_path / "o.ome.zarr", shape=(1, 1, 1, 4, 4), dtype=np.uint8) as sink,
    ):
        sink.write_region(np.zeros((1, 1, 1, 2, 2), np.uint8), y=slice(0, 3), x=slice(0, 2))
    with (
        pytest.raises(ImageError, match="cannot store float32 values in a uint8"),
        writer.open(tmp_path / "o.ome.zarr", shape=(1, 1, 1, 4, 4), dtype=np.uint8) as sink,
    ):
        sink.write_region(np.zeros((1, 1, 1, 4, 4), np.float32), y=slice(0, 4), x=slice(0, 4))
    assert list(tmp_path.iterdir()) == []


# -- errors -------------------------------------------------------------------------------------


def test_corrupt_and_misnamed_files(tmp_path: Path) -> None:
    (tmp_path / "garbage.tif").write_bytes(b"this is not a tiff")
    with pytest.raises(ImageError, match="ends in '.tif', which the ome_tiff, tiff reader"):
        open_image(tmp_path / "garbage.tif")
    whole = write_image(tmp_path / "whole.ome.tif", np.ones((1, 1, 1, 64, 64), np.uint16))
    (tmp_path / "cut.tif").write_bytes(whole.read_bytes()[:200])
    with pytest.raises(ImageError, match="cut.tif"):
        open_image(tmp_path / "cut.tif").read()
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ImageError, match="bad.png: not a readable PNG"):
        open_image(tmp_path / "bad.png")


def test_unsupported_format_suggests_the_bioio_plugin(tmp_path: Path) -> None:
    path = tmp_path / "scan.nd2"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(ImageError, match="pip install bioio-nd2") as error:
        open_image(path)
    assert "Installed readers: ome_tiff, ome_zarr, png, tiff, bioio" in str(error.value)
    assert "i2i's 'bioio' reader then reads it" in str(error.value)
    czi = tmp_path / "scan.czi"
    czi.write_bytes(b"ZISRAWFILE")
    with pytest.raises(ImageError, match="pip install bioio-czi"):
        open_image(czi)
    other = tmp_path / "scan.xyz"
    other.write_bytes(b"?")
    with pytest.raises(ImageError, match=r"pip install bioio-bioformats' \(needs Java\)"):
        open_image(other)


# -- CLI ----------------------------------------------------------------------------------------


def test_info_json_on_real_files(shared_data: Path) -> None:
    jump = shared_data / "jump_cpg0000_bf/brightfield_focus.tiff"
    result = runner.invoke(app, ["info", str(shared_data / NELLIE), str(jump), "--json"])
    assert result.exit_code == 0, result.output
    nellie, focus = json.loads(result.output)
    assert nellie["shape"] == [30, 1, 17, 192, 279] and nellie["reader"] == "ome_tiff"
    assert nellie["pixel_sizes_um"] == {"z": 0.25, "y": 0.0655, "x": 0.0655}
    assert focus["dtype"] == "uint16" and focus["pixel_sizes_um"]["x"] is None
    text = runner.invoke(app, ["info", str(shared_data / NELLIE)]).output
    assert "pixel size  z 0.25 µm, y 0.0655 µm, x 0.0655 µm" in text


def test_convert_real_tiff_to_zarr_and_ome_tiff(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "jump_cpg0000_bf/brightfield_over.tiff"
    zarr_out, tiff_out = tmp_path / "bf.ome.zarr", tmp_path / "bf.ome.tif"
    result = runner.invoke(
        app, ["convert", str(source), str(zarr_out), "--chunk", "128", "--pyramid", "2"]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["convert", str(zarr_out), str(tiff_out)]).exit_code == 0
    expected = open_image(source).read()
    for out in (zarr_out, tiff_out):
        np.testing.assert_array_equal(open_image(out).read(), expected)
    assert sorted(p.name for p in zarr_out.iterdir() if not p.name.startswith(".")) == [
        "0",
        "1",
        "2",
    ]


def test_cli_errors_are_one_paragraph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from i2i.cli import main

    array = np.zeros((1, 1, 1, 4, 4), np.uint8)
    source = write_image(tmp_path / "a.ome.tif", array)
    for args, expected in [
        (["info", str(tmp_path / "missing.ome.tif")], "no such file or folder"),
        (
            ["convert", str(source), str(tmp_path / "b.ome.tif"), "--pyramid", "1"],
            "'ome_tiff' writer does not accept {'pyramid': 1}",
        ),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 1
        error = capsys.readouterr().err
        assert error.startswith("Error: ") and expected in error and "Traceback" not in error


def test_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    text = (Path(__file__).resolve().parents[3] / "docs" / "io.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 4
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/io.md", "exec"), {})
    assert open_image("prediction.ome.zarr").channel_names == ["Nucleus", "Mitochondria"]
    assert len(list((tmp_path / "cells.ome.zarr").iterdir())) >= 3  # .zattrs, .zgroup, levels
