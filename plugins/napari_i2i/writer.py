"""The writer contributions: image layers saved as OME-Zarr or OME-TIFF through i2i.

One layer is written as a one-channel image named after the layer; several layers (of one
shape, e.g. the organelles a model predicted) as the channels of one image, in layer order.
Pixel sizes come from the layers' scale and units (in pixel units a scale of 1 is unknown, see
:mod:`.layers`); the
writer is chosen by the file's suffix (:func:`i2i.io.write_image`), and writes atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from i2i.image import ImageError
from i2i.io import write_image
from i2i_plugins.napari_i2i.layers import as_tczyx, layer_axes, scale_pixel_sizes

FullLayerData = tuple[Any, Mapping[str, Any], str]
"""napari's (data, layer attributes, layer type) of a layer being saved."""


def write_image_layer(path: str, data: Any, meta: Mapping[str, Any]) -> list[str]:
    """Save one image layer at ``path``; the written paths (napari's single-layer writer)."""
    return write_image_layers(path, [(data, meta, "image")])


def write_image_layers(path: str, layer_data: Sequence[FullLayerData]) -> list[str]:
    """Save image layers as the channels of one image at ``path`` (multi-layer writer)."""
    if not layer_data:
        raise ImageError(f"{path}: no layers to save; select the image layers to write.")
    shapes = {np.shape(data) for data, _, _ in layer_data}
    if len(shapes) != 1:
        described = ", ".join(f"{meta.get('name')!r} {np.shape(d)}" for d, meta, _ in layer_data)
        raise ImageError(
            f"{path}: the layers to save as channels of one image differ in shape ({described}). "
            "Save them one at a time, or select layers of one shape."
        )
    for _, meta, _ in layer_data:
        if meta.get("rgb"):
            raise ImageError(
                f"{path}: layer {meta.get('name')!r} is RGB; i2i writes single-channel layers. "
                "Split it into channels first (Layers > Split RGB)."
            )
    data, meta, _ = layer_data[0]
    axes = layer_axes(np.ndim(data), meta.get("metadata", {}), str(meta.get("name")))
    if "C" in axes:
        raise ImageError(
            f"{path}: layer {meta.get('name')!r} has a channel axis (axes {axes}); i2i saves "
            "one channel per layer. Split it first (Layers > Split Stack)."
        )
    channels = np.concatenate([as_tczyx(d, axes) for d, _, _ in layer_data], axis=1)
    scale = meta.get("scale") or [1.0] * len(axes)
    written = write_image(
        path,
        channels,
        channel_names=[str(m.get("name")) for _, m, _ in layer_data],
        pixel_sizes=scale_pixel_sizes(axes, scale, meta.get("units") or ()),
    )
    return [str(written)]
