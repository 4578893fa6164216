"""Image files against a full disk, bad pixels, damage and hostile sizes (issue 19, items 6, 7, 9,
13).

Each case goes through what a user runs (``i2i convert``, ``i2i predict``, ``i2i info`` in a
subprocess, or the Python API) and must end in one clear message naming the file, with nothing
left behind, never in a signal, a traceback or a silently wrong image. A full disk is simulated
with a file-size limit (``RLIMIT_FSIZE``, SIGXFSZ ignored so that writes fail with ``EFBIG``)
and, where the tests run as root, with a real 1 MB tmpfs (``ENOSPC``).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from i2i.image import ArrayImage, DiskFullError, ImageError
from i2i.io import convert_image, open_image, write_image
from i2i.normalization import NonFiniteWarning

NELLIE = "nellie_yeast_mito/yeast_3d_mitochondria.ome.tif"
FILE_SIZE_LIMIT = 128 << 10
"""The largest file (bytes) a subprocess under a file-size limit may write."""


def run_i2i(*args: str, cwd: Path, file_size: int | None = None, **env: str):
    """``python -m i2i ARGS`` in ``cwd``; with ``file_size`` no file may grow beyond it."""

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-m", "i2i", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", **env},
        preexec_fn=limit_file_size,
    )


def leftovers(folder: Path) -> list[str]:
    """Everything in ``folder``, hidden temporaries and buffers included."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A 2 MB uint16 z-stack (1 × 1 × 4 × 512 × 512) as OME-Zarr."""
    folder = tmp_path_factory.mktemp("source")
    pixels = np.random.default_rng(0).integers(0, 60000, (1, 1, 4, 512, 512), dtype=np.uint16)
    return write_image(folder / "stack.ome.zarr", pixels)


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    """A tiny UNet's weights file (``zoo_support.save_tiny_weights``)."""
    from zoo_support import save_tiny_weights

    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    save_tiny_weights(path)
    return path


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (needs root; skipped where it cannot be mounted)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


# -- item 6: a full disk ------------------------------------------------------------------------


def assert_disk_full(result: subprocess.CompletedProcess[str], output: Path) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)  # not SIGBUS (-7)
    error = result.stderr
    assert f"no space left on device while writing {output}" in error, error
    assert "needed about" in error and " MB" in error
    assert "Traceback" not in error and "this is a bug" not in error
    assert leftovers(output.parent) == [], leftovers(output.parent)


@pytest.mark.parametrize("suffix", [".ome.tif", ".ome.zarr"])
def test_convert_past_a_file_size_limit(source: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / "out" / f"copy{suffix}"
    output.parent.mkdir()
    args = ["convert", str(source), str(output), "--compression", "none", "--chunk", "512"]
    result = run_i2i(*args, cwd=tmp_path, file_size=FILE_SIZE_LIMIT)  # 512 KB chunks
    assert_disk_full(result, output)


@pytest.mark.parametrize("suffix", [".ome.tif", ".ome.zarr"])
def test_predict_past_a_file_size_limit(
    source: Path, weights: Path, tmp_path: Path, suffix: str
) -> None:
    output = tmp_path / "out" / f"prediction{suffix}"
    output.parent.mkdir()
    args = ["predict", "-m", str(weights), str(source), "-o", str(output), "--device", "cpu"]
    result = run_i2i(*args, cwd=tmp_path, file_size=FILE_SIZE_LIMIT)  # 1 MB chunks
    assert_disk_full(result, output)


@pytest.mark.parametrize("suffix", [".ome.tif", ".ome.zarr"])
def test_convert_onto_a_full_disk(source: Path, small_disk: Path, suffix: str) -> None:
    output = small_disk / f"copy{suffix}"
    result = run_i2i("convert", str(source), str(output), "--chunk", "64", cwd=small_disk.parent)
    assert_disk_full(result, output)
    assert "No space left on device" in result.stderr


def test_predict_onto_a_full_disk(source: Path, weights: Path, small_disk: Path) -> None:
    output = small_disk / "prediction.ome.tif"
    args = ["predict", "-m", str(weights), str(source), "-o", str(output), "--device", "cpu"]
    assert_disk_full(run_i2i(*args, cwd=small_disk.parent), output)


def test_the_python_api_raises_disk_full_error(source: Path, small_disk: Path) -> None:
    for name in ("copy.ome.tif", "copy.ome.zarr"):
        with pytest.raises(DiskFullError, match=f"while writing {small_disk / name}"):
            convert_image(source, small_disk / name)
        assert leftovers(small_disk) == []


# -- item 7: NaN and infinite pixels ------------------------------------------------------------


def _field(bad: float | None) -> np.ndarray:
    pixels = np.random.default_rng(3).gamma(2, 100, (1, 1, 1, 64, 64)).astype(np.float32)
    if bad is not None:
        pixels[0, 0, 0, 5, 7] = bad
    return pixels


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_bad_pixel_does_not_spoil_a_prediction(bad: float) -> None:
    from predict_support import local_net

    from i2i.contract import InputContract
    from i2i.prediction import Predictor

    predictor = Predictor(local_net(), InputContract(output_channels=["dna"]))
    clean = predictor.predict(ArrayImage(_field(None), dims="TCZYX"))
    with pytest.warns(NonFiniteWarning, match="1 of 4096 pixel"):
        spoilt = predictor.predict(ArrayImage(_field(bad), dims="TCZYX"))
    assert np.isfinite(spoilt).all() and spoilt.std() > 0.5 * clean.std()
    far = (slice(None),) * 3 + (slice(12, None), slice(14, None))  # beyond the net's reach
    np.testing.assert_allclose(spoilt[far], clean[far], atol=0.05)


def test_predict_cli_warns_about_nan_pixels(weights: Path, tmp_path: Path) -> None:
    source = write_image(tmp_path / "nan.ome.tif", _field(np.nan))
    output = tmp_path / "prediction.ome.tif"
    result = run_i2i("predict", "-m", str(weights), str(source), "-o", str(output), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning: " in result.stderr and "1 of 4096 pixel(s)" in result.stderr
    assert "NaN or infinite" in result.stderr
    prediction = open_image(output).read()
    assert np.isfinite(prediction).all() and prediction.std() > 0  # not one constant value


def test_a_nan_training_sample_is_an_error_naming_the_file(tmp_path: Path) -> None:
    from i2i.data import DataError, FieldDataset, build_layout
    from i2i_plugins.datasets.demo import write_lmc_demo

    write_lmc_demo(tmp_path, size=32)
    target = tmp_path / "Study_1" / "image_1_Nucleus.ome.tiff"
    pixels = open_image(target).read().astype(np.float32)
    pixels[0, 0, 0, 3, 4] = np.nan
    write_image(target, pixels)
    records = build_layout({"name": "lmc", "root": str(tmp_path)}).index()
    dataset = FieldDataset(records, ["Nucleus", "Mitochondria", "Actin", "Tubulin"])
    first = next(
        i for i, s in enumerate(dataset.samples) if records[s.record].field_id.endswith("image_1")
    )
    with pytest.raises(DataError, match=r"image_1_Nucleus\.ome\.tiff: .*1 NaN or infinite"):
        dataset[first]


# -- item 9: truncated and corrupt files --------------------------------------------------------


def _cut(source: Path, destination: Path, fraction: float) -> Path:
    data = source.read_bytes()
    destination.write_bytes(data[: int(len(data) * fraction)])
    return destination


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.99])
def test_truncated_bio_formats_ome_tiff(shared_data: Path, tmp_path: Path, fraction: float) -> None:
    cut = _cut(shared_data / NELLIE, tmp_path / "cut.ome.tif", fraction)
    result = run_i2i("info", str(cut), cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert f"{cut}: the file is truncated or corrupt" in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr  # no log lines


@pytest.mark.parametrize("fraction", [0.3, 0.7, 0.999])
def test_truncated_tiffs_written_by_i2i(tmp_path: Path, fraction: float) -> None:
    pixels = np.random.default_rng(1).integers(0, 9000, (2, 1, 3, 300, 300), dtype=np.uint16)
    whole = write_image(tmp_path / "whole.ome.tif", pixels, chunk=128)
    cut = _cut(whole, tmp_path / "cut.ome.tif", fraction)
    with pytest.raises(ImageError, match="cut.ome.tif: .*truncated or corrupt"):
        open_image(cut).read()


def test_truncated_png(shared_data: Path, tmp_path: Path) -> None:
    png = next((shared_data / "isl_condition_b").glob("*DAPI_CONFOCAL*.png"))
    cut = _cut(png, tmp_path / "cut.png", 0.5)
    result = run_i2i("convert", str(cut), str(tmp_path / "out.ome.zarr"), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{cut}: the PNG data cannot be decoded" in result.stderr
    assert "truncated or corrupt" in result.stderr and leftovers(tmp_path) == ["cut.png"]


def test_zarr_with_a_truncated_chunk(tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 9000, (1, 1, 1, 64, 64), dtype=np.uint16)
    zarr_image = write_image(tmp_path / "a.ome.zarr", pixels, chunk=32)
    chunk = next(p for p in (zarr_image / "0").rglob("*") if p.is_file() and p.name == "0")
    _cut(chunk, chunk, 0.5)
    with pytest.raises(ImageError, match="a.ome.zarr: reading .* truncated or corrupt"):
        convert_image(zarr_image, tmp_path / "b.ome.tif")
    assert leftovers(tmp_path) == ["a.ome.zarr"]


# -- item 13: sizes beyond any real image -------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_png_claiming_60000_squared(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(60000, 60000))
    result = run_i2i("info", str(bomb), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bomb}: the plane to decode whole is 60000 × 60000" in result.stderr
    assert "I2I_MAX_DECODED_PIXELS" in result.stderr and "DecompressionBomb" not in result.stderr
    raised = run_i2i("info", str(bomb), "--json", cwd=tmp_path, I2I_MAX_DECODED_PIXELS="4e9")
    assert raised.returncode == 0, raised.stderr  # the limit is the user's to raise
    assert json.loads(raised.stdout)[0]["shape"] == [1, 1, 1, 60000, 60000]


def test_a_20000_squared_png_is_within_the_limits(tmp_path: Path) -> None:
    large = tmp_path / "large.png"
    large.write_bytes(_png_header(20000, 20000))  # above Pillow's own bomb limit (179 Mpx)
    assert open_image(large).shape == (1, 1, 1, 20000, 20000)


def test_zarr_claiming_ten_million_squared(tmp_path: Path) -> None:
    huge = write_image(tmp_path / "huge.ome.zarr", np.zeros((1, 1, 1, 4, 4), np.uint8))
    meta_file = huge / "0" / ".zarray"
    meta = json.loads(meta_file.read_text())
    meta["shape"] = [1, 1, 1, 10**7, 10**7]
    meta_file.write_text(json.dumps(meta))
    output = tmp_path / "huge.ome.tif"
    result = run_i2i("convert", str(huge), str(output), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{huge}: the image is 1 × 1 × 1 × 10000000 × 10000000" in result.stderr
    assert "I2I_MAX_PIXELS" in result.stderr and "Errno" not in result.stderr
    raised = run_i2i("convert", str(huge), str(output), cwd=tmp_path, I2I_MAX_PIXELS="1e15")
    assert raised.returncode == 1  # then the disk refuses the 200 TB buffer, by name
    assert f"no space left on device while writing {output}" in raised.stderr
    assert leftovers(tmp_path) == ["huge.ome.zarr"]


def test_writers_refuse_outputs_beyond_the_limit(tmp_path: Path, monkeypatch) -> None:
    from i2i.io import get_writer

    small = write_image(tmp_path / "b.ome.zarr", np.zeros((4, 4), np.uint8))
    monkeypatch.setenv("I2I_MAX_PIXELS", "1000")
    for name in ("a.ome.zarr", "a.ome.tif"):
        with pytest.raises(ImageError, match=f"{name}: the output is 1 × 1 × 1 × 40 × 40"):
            get_writer(tmp_path / name).open(tmp_path / name, shape=(1, 1, 1, 40, 40), dtype="u1")
    monkeypatch.setenv("I2I_MAX_PIXELS", "many")
    with pytest.raises(ImageError, match="I2I_MAX_PIXELS='many' is not a positive number"):
        open_image(small)
    monkeypatch.setenv("I2I_MAX_PIXELS", "16")
    assert open_image(small).shape == (1, 1, 1, 4, 4)  # the limit itself is allowed
