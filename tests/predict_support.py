"""Tiny models, a .npy reader/writer plugin and helpers for the prediction tests.

The writer follows the writers contract (``open(...)`` returns a sink with ``write_region``;
leaving the ``with`` block moves the temporary file into place atomically), so tests of
``i2i predict`` do not depend on the OME writers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

import i2i.prediction
from i2i.image import ArrayImage, Image, PixelSizes
from i2i.registry import Params


def local_net(in_channels: int = 1, out_channels: int = 1, seed: int = 0) -> nn.Module:
    """A fully convolutional net without global context: receptive-field radius 2."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(in_channels, 8, 3, padding=1), nn.Tanh(), nn.Conv2d(8, out_channels, 3, padding=1)
    ).eval()


class DownUpNet(nn.Module):
    """Downsamples by ``factor`` and back: sides must be multiples of ``factor``."""

    def __init__(self, factor: int = 8, channels: int = 1):
        super().__init__()
        self.factor = factor
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[-2] % self.factor == 0 and x.shape[-1] % self.factor == 0, x.shape
        low = nn.functional.avg_pool2d(self.conv(x), self.factor)
        return nn.functional.interpolate(low, scale_factor=self.factor, mode="nearest")


def identity_net(channels: int = 1) -> nn.Module:
    conv = nn.Conv2d(channels, channels, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.eye(channels)[:, :, None, None])
        conv.bias.zero_()
    return conv.eval()


def identity_predictor(name: str, **options: object):
    """A Predictor of an identity net that predicts channel ``name``: stands in for
    ``i2i.prediction.load_predictor`` in CLI tests (tiling options become a Tiling)."""
    from i2i.contract import InputContract
    from i2i.prediction import Predictor
    from i2i.tiling import Tiling

    tiling = Tiling.from_fields(options, "test")
    rest = {key: value for key, value in options.items() if key not in Tiling.model_fields}
    return Predictor(
        identity_net(), InputContract(output_channels=[str(name)]), tiling=tiling, **rest
    )


def fake_models(monkeypatch, host) -> list[tuple[str, dict]]:
    """``--model NAME`` gives an identity model predicting channel NAME (npy reader/writer in
    ``host``); returns the list of (name, options) each load was given."""
    host.add_plugin(NpyPlugin())
    loaded: list[tuple[str, dict]] = []

    def load(name, **options):
        loaded.append((str(name), options))
        return identity_predictor(name, **options)

    monkeypatch.setattr(i2i.prediction, "load_predictor", load)
    return loaded


def open_npy(path: Path) -> ArrayImage:
    """A (T, C, Z, Y, X) ``.npy`` file with a JSON side-car of channel names and pixel sizes."""
    meta = json.loads(path.with_suffix(".json").read_text())
    return ArrayImage(
        np.load(path, mmap_mode="r"),
        dims="TCZYX",
        channel_names=meta["channel_names"],
        pixel_sizes=PixelSizes(**meta["pixel_sizes"]),
        path=path,
        reader="npy",
    )


def save_npy(path: Path, array: np.ndarray, channel_names=None, pixel_sizes=None) -> Path:
    np.save(path, array)
    meta = {
        "channel_names": channel_names or [f"C{i}" for i in range(array.shape[1])],
        "pixel_sizes": (pixel_sizes or PixelSizes()).as_dict(),
    }
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


class _NpyReader:
    def can_read(self, path: Path) -> bool:
        return path.suffix == ".npy"

    def open(self, path: Path) -> Image:
        return open_npy(path)


class _NpySink:
    def __init__(self, path: Path, shape, dtype, channel_names, pixel_sizes):
        self.path = path
        self.temporary = path.with_name(f".{path.name}.partial.npy")
        self.array = np.lib.format.open_memmap(self.temporary, "w+", dtype, tuple(shape))
        self.meta = {"channel_names": channel_names, "pixel_sizes": pixel_sizes.as_dict()}
        self.regions = 0

    def write_region(self, array, *, t=0, z=0, c=None, y, x):
        t = slice(t, t + 1) if isinstance(t, int) else t
        z = slice(z, z + 1) if isinstance(z, int) else z
        self.array[t, c if c is not None else slice(None), z, y, x] = array
        self.regions += 1

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.array.flush()
        del self.array
        if kind is not None:
            self.temporary.unlink()
            return
        self.path.with_suffix(".json").write_text(json.dumps(self.meta))
        os.replace(self.temporary, self.path)


class _TiffReader:
    def can_read(self, path: Path) -> bool:
        return path.suffix == ".tiff"

    def open(self, path: Path) -> Image:
        import tifffile

        return ArrayImage(tifffile.imread(path), pixel_sizes=PixelSizes(None, 0.3, 0.3), path=path)


class _NpyWriter:
    suffixes = (".npy",)

    def open(self, path, *, shape, dtype, channel_names, pixel_sizes):
        return _NpySink(Path(path), shape, dtype, channel_names, pixel_sizes)


class _NoParams(Params):
    pass


class NpyPlugin:
    """Registers the ``npy`` reader and writer, and for predict-lmc a ``.tiff`` reader and the
    npy writer as ``ome_tiff``, so the Light My Cells layout is tested without the OME I/O."""

    @i2i.hookimpl
    def i2i_register(self, registries):
        registries.readers.add(
            "npy", params=_NoParams, factory=lambda p: _NpyReader(), description="Test reader."
        )
        registries.writers.add(
            "npy", params=_NoParams, factory=lambda p: _NpyWriter(), description="Test writer."
        )
        registries.readers.add(
            "tiff", params=_NoParams, factory=lambda p: _TiffReader(), description="Test reader."
        )
        registries.writers.add(
            "ome_tiff", params=_NoParams, factory=lambda p: _NpyWriter(), description="As npy."
        )


def save_weights_with_predict_section(path: Path, predict: dict) -> Path:
    """Tiny UNet weights (zoo_support's) whose recipe has this ``predict`` section, e.g.
    ``{"writer": {"name": "ome_zarr", "zarr_format": 3}}``; nothing is trained."""
    from zoo_support import CONTRACT, TINY_SPEC

    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(0)
    model = build_model(TINY_SPEC).eval()
    recipe = {"name": "tiny_unet", "model": TINY_SPEC, "predict": predict}
    save_weights(path, model, {"recipe": recipe, "input_contract": CONTRACT})
    return path
