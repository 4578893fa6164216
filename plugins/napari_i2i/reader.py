"""The reader contribution: napari opens OME-TIFF, OME-Zarr, TIFF and PNG files through i2i.

:func:`get_reader` is napari's reader hook: given a path it returns a function that reads it, or
``None`` when no installed i2i reader accepts it (napari then asks its other readers). Each
channel becomes an image layer named after the channel (:func:`layers.channel_layer_names`),
scaled by the file's pixel sizes (in µm, with the layer's units set), so layers of several files
overlay in physical units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from i2i.errors import I2IError
from i2i.io import open_image
from i2i_plugins.napari_i2i.layers import (
    channel_data,
    channel_layer_names,
    kept_axes,
    layer_scale,
    layer_units,
)

LayerData = tuple[Any, Mapping[str, Any], str]
"""napari's layer data tuple: (data, layer keyword arguments, layer type)."""


def get_reader(path: str | list[str]) -> Callable[[str | list[str]], list[LayerData]] | None:
    """The reader of ``path`` (or of a list of paths), if i2i can open the first of them."""
    first = path[0] if isinstance(path, list) else path
    try:
        open_image(first).close()
    except I2IError:
        return None
    return read_layers


def read_layers(path: str | list[str]) -> list[LayerData]:
    """One image layer per channel of each file, with scale, name and the file in metadata."""
    paths = path if isinstance(path, list) else [path]
    return [layer for one in paths for layer in _file_layers(Path(one))]


def _file_layers(path: Path) -> list[LayerData]:
    with open_image(path) as image:
        axes = kept_axes(image)
        scale = layer_scale(axes, image.pixel_sizes)
        units = layer_units(axes, image.pixel_sizes)
        return [
            (
                channel_data(image, index),
                {
                    "name": name,
                    "scale": scale,
                    "units": units,
                    "metadata": {"i2i": {"path": str(path), "channel": channel, "axes": axes}},
                },
                "image",
            )
            for index, (name, channel) in enumerate(
                zip(channel_layer_names(image), image.channel_names, strict=True)
            )
        ]
