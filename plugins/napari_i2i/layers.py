"""Between i2i images and napari layer data: axes, scale and names (no napari import).

A layer holds one channel of an image with its size-1 T and Z axes dropped, so a 2-D field is a
(Y, X) layer and a z-stack a (Z, Y, X) one; the layer's scale is the image's pixel sizes in µm.
napari has no "unknown" pixel size: a missing size becomes a scale of 1, and a scale of 1 reads
back as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from i2i.image import Image, ImageError, PixelSizes
from i2i.naming import image_stem

UNKNOWN_SCALE = 1.0
"""The scale of an axis whose pixel size the file does not record."""


def kept_axes(image: Image) -> list[str]:
    """The dims of ``image`` a layer keeps: T and Z when larger than 1, then Y and X."""
    size_t, _, size_z, _, _ = image.shape
    return [d for d, n in (("T", size_t), ("Z", size_z)) if n > 1] + ["Y", "X"]


def layer_scale(axes: Sequence[str], pixel_sizes: PixelSizes) -> list[float]:
    """The napari scale of a layer with ``axes``: µm per pixel (Z, Y, X), seconds for T."""
    sizes = {"T": pixel_sizes.t, "Z": pixel_sizes.z, "Y": pixel_sizes.y, "X": pixel_sizes.x}
    return [sizes[axis] or UNKNOWN_SCALE for axis in axes]


def scale_pixel_sizes(axes: Sequence[str], scale: Sequence[float]) -> PixelSizes:
    """The pixel sizes a layer's scale says (a scale of 1 is unknown): the reverse of
    :func:`layer_scale`."""
    sizes = {
        axis: (float(value) if float(value) != UNKNOWN_SCALE else None)
        for axis, value in zip(axes, scale, strict=True)
    }
    return PixelSizes(z=sizes.get("Z"), y=sizes.get("Y"), x=sizes.get("X"), t=sizes.get("T"))


def channel_layer_names(image: Image) -> list[str]:
    """One layer name per channel: the channel's name, or the file's stem for unnamed ones.

    Readers name channels without a recorded name ``C0``, ``C1``...; those layers are called
    after the file (``field``, or ``field C1`` when there are several).
    """
    names = image.channel_names
    stem = image_stem(image.path)
    return [
        (stem if len(names) == 1 else f"{stem} {name}") if name == f"C{index}" else name
        for index, name in enumerate(names)
    ]


def channel_data(image: Image, channel: int) -> npt.NDArray[Any]:
    """Channel ``channel`` of ``image`` as a layer array with the axes of :func:`kept_axes`."""
    data = image.read(channel=channel)[:, 0]  # (T, Z, Y, X)
    squeeze = tuple(axis for axis, n in enumerate(data.shape[:2]) if n == 1)
    return np.squeeze(data, axis=squeeze)


def layer_axes(ndim: int, metadata: Mapping[str, Any]) -> list[str]:
    """The dims of a layer: as the i2i reader recorded them, else by its number of axes
    ((Y, X), (Z, Y, X), (T, Z, Y, X))."""
    recorded = metadata.get("i2i", {}).get("axes")
    if isinstance(recorded, list) and len(recorded) == ndim:
        return [str(axis) for axis in recorded]
    if not 2 <= ndim <= 4:
        raise ImageError(
            f"a layer with {ndim} axes: i2i reads layers of 2 (Y, X), 3 (Z, Y, X) or 4 "
            "(T, Z, Y, X) axes. Use a single-channel image layer."
        )
    return ["T", "Z", "Y", "X"][4 - ndim :]


def as_tczyx(data: npt.ArrayLike, axes: Sequence[str]) -> npt.NDArray[Any]:
    """A layer array with ``axes`` as a one-channel (T, 1, Z, Y, X) array."""
    array = np.asarray(data)
    for axis in ("T", "Z"):
        if axis not in axes:
            array = array[None] if axis == "T" else np.expand_dims(array, -3)
    return array[:, None]  # (T, 1, Z, Y, X)
