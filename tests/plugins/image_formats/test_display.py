"""OME-Zarr display windows from the data written (issue 20 item 7), not the dtype's range."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import i2i_plugins.image_formats.display as display
from i2i.cli import app
from i2i.io import get_writer, open_image, write_image
from i2i_plugins.image_formats.display import DisplayRange


def _windows(path: Path) -> list[dict]:
    return [c["window"] for c in json.loads((path / ".zattrs").read_text())["omero"]["channels"]]


def test_uint16_prediction_gets_its_percentiles_as_window(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    dim = rng.gamma(2, 1000, (1, 1, 1, 200, 300)).clip(0, 25000).astype(np.uint16)
    bright = np.full((1, 1, 1, 200, 300), 40000, np.uint16)
    path = write_image(tmp_path / "p.ome.zarr", np.concatenate([dim, bright], axis=1))
    first, constant = _windows(path)
    low, high = np.percentile(dim, [0.1, 99.9])
    assert (first["min"], first["max"]) == (0, 65535)
    assert abs(first["start"] - low) <= 1 and abs(first["end"] - high) <= 1
    assert first["end"] < 25000  # not 0-65535: the image does not look black
    assert constant == {"min": 0, "max": 65535, "start": 40000, "end": 40001}


def test_float_windows_span_the_finite_values(tmp_path: Path) -> None:
    pixels = np.linspace(-1, 3, 64 * 64, dtype=np.float32).reshape(1, 1, 1, 64, 64)
    pixels[0, 0, 0, 0, :3] = [np.nan, np.inf, -np.inf]
    (window,) = _windows(write_image(tmp_path / "f.ome.zarr", pixels))
    assert window["min"] == pytest.approx(-1, abs=1e-2) and window["max"] == 3
    assert -1 < window["start"] < -0.99 and 2.99 < window["end"] < 3


def test_windows_come_from_regions_written_in_any_order(tmp_path: Path) -> None:
    pixels = np.arange(100 * 80, dtype=np.uint16).reshape(1, 1, 1, 100, 80)
    path = tmp_path / "r.ome.zarr"
    with get_writer(path, chunk=32).open(path, shape=pixels.shape, dtype=np.uint16) as sink:
        for start in (60, 0, 90, 30):
            rows = slice(start, min(start + 30, 100))
            sink.write_region(pixels[:, :, :, rows], y=rows, x=slice(0, 80))
    (window,) = _windows(path)
    low, high = np.percentile(pixels, [0.1, 99.9])
    assert abs(window["start"] - low) <= 1 and abs(window["end"] - high) <= 1


def test_large_images_are_sampled_on_a_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "SAMPLE_LIMIT", 100)
    sampled = DisplayRange((1, 1, 1, 100, 100))
    assert sampled.stride == 10
    block = np.arange(100 * 100, dtype=np.float32).reshape(1, 1, 1, 100, 100)
    region = (slice(0, 1), slice(0, 1), slice(0, 1), slice(0, 100), slice(0, 100))
    sampled.add(region, block)
    (window,) = sampled.windows(np.dtype(np.float32))
    assert window["min"] == 0 and window["max"] == 90 * 100 + 90  # every 10th row and column


def test_i2i_predict_writes_windows_that_fit_the_prediction(tmp_path: Path) -> None:
    from zoo_support import save_tiny_weights

    weights = tmp_path / "tiny.safetensors"
    save_tiny_weights(weights)
    field = np.random.default_rng(1).gamma(2, 300, (1, 1, 1, 96, 96)).astype(np.uint16)
    source = write_image(tmp_path / "field.ome.tif", field)
    output = tmp_path / "prediction.ome.zarr"
    args = ["predict", "-m", str(weights), str(source), "-o", str(output), "--device", "cpu"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    values = open_image(output).read()
    (window,) = _windows(output)
    assert values.dtype == np.uint16 and window["max"] == 65535
    low, high = np.percentile(values, [0.1, 99.9])
    assert abs(window["start"] - low) <= 1 and abs(window["end"] - high) <= 1
