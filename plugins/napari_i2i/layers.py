"""Between i2i images and napari layer data: axes, scale and names (no napari import).

A layer holds one channel of an image with its size-1 T and Z axes dropped, so a 2-D field is a
(Y, X) layer and a z-stack a (Z, Y, X) one; the layer's scale is the image's pixel sizes, in µm
(seconds for T), with those units set on the layer. napari has no "unknown" pixel size: a
missing size becomes a scale of 1 in pixel units. A layer whose axes are in pixel units (napari's
default) is read the other way: its scale is taken as µm, and a scale of 1 as unknown; an axis
with length or time units is converted from them (nm, mm, ms, min...).
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


PIXEL_UNIT = "pixel"
"""napari's unit of an axis without a physical size."""

UNIT_FACTORS = {
    "micrometer": 1.0,
    "um": 1.0,
    "µm": 1.0,
    "micron": 1.0,
    "nanometer": 1e-3,
    "nm": 1e-3,
    "angstrom": 1e-4,
    "millimeter": 1e3,
    "mm": 1e3,
    "centimeter": 1e4,
    "meter": 1e6,
    "m": 1e6,
    "second": 1.0,
    "s": 1.0,
    "millisecond": 1e-3,
    "ms": 1e-3,
    "minute": 60.0,
    "min": 60.0,
    "hour": 3600.0,
    "h": 3600.0,
}
"""µm (seconds for time) per unit, by the unit's name as napari (pint) writes it."""


def layer_scale(axes: Sequence[str], pixel_sizes: PixelSizes) -> list[float]:
    """The napari scale of a layer with ``axes``: µm per pixel (Z, Y, X), seconds for T."""
    sizes = _sizes(pixel_sizes)
    return [sizes[axis] or UNKNOWN_SCALE for axis in axes]


def layer_units(axes: Sequence[str], pixel_sizes: PixelSizes) -> list[str]:
    """The napari units of a layer with ``axes``: µm or seconds where the size is known."""
    sizes = _sizes(pixel_sizes)
    physical = {"T": "second", "Z": "micrometer", "Y": "micrometer", "X": "micrometer"}
    return [physical[axis] if sizes[axis] else PIXEL_UNIT for axis in axes]


def scale_pixel_sizes(
    axes: Sequence[str], scale: Sequence[float], units: Sequence[object] = ()
) -> PixelSizes:
    """The pixel sizes a layer's scale and units say: the reverse of :func:`layer_scale`.

    An axis in a length or time unit of :data:`UNIT_FACTORS` is converted to µm (seconds); one
    in pixel units (or none given) is taken as µm, a scale of 1 being unknown.
    """
    named = [str(unit) for unit in units] or [PIXEL_UNIT] * len(axes)
    sizes: dict[str, float | None] = {}
    for axis, value, unit in zip(axes, scale, named, strict=True):
        factor = UNIT_FACTORS.get(unit)
        if factor is not None:
            sizes[axis] = float(value) * factor
        else:
            sizes[axis] = float(value) if float(value) != UNKNOWN_SCALE else None
    return PixelSizes(z=sizes.get("Z"), y=sizes.get("Y"), x=sizes.get("X"), t=sizes.get("T"))


def _sizes(pixel_sizes: PixelSizes) -> dict[str, float | None]:
    return {"T": pixel_sizes.t, "Z": pixel_sizes.z, "Y": pixel_sizes.y, "X": pixel_sizes.x}


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


LAYER_AXES = {2: "YX", 3: "ZYX", 4: "TZYX", 5: "TCZYX"}
"""The dims of a layer by its number of axes, when the i2i reader did not record them."""


def layer_axes(ndim: int, metadata: Mapping[str, Any], name: str = "layer") -> list[str]:
    """The dims of a layer: as the i2i reader recorded them, else by its number of axes
    (:data:`LAYER_AXES`; an RGB layer's colour axis is not counted)."""
    recorded = metadata.get("i2i", {}).get("axes")
    if isinstance(recorded, list) and len(recorded) == ndim:
        return [str(axis) for axis in recorded]
    if ndim not in LAYER_AXES:
        raise ImageError(
            f"{name!r} has {ndim} axes: i2i reads layers of 2 (Y, X), 3 (Z, Y, X), 4 "
            "(T, Z, Y, X) or 5 (T, C, Z, Y, X) axes. Split or slice the layer first (e.g. "
            "Layers > Split Stack along an extra axis)."
        )
    return list(LAYER_AXES[ndim])


def as_tczyx(data: npt.ArrayLike, axes: Sequence[str]) -> npt.NDArray[Any]:
    """A layer array with ``axes`` as a one-channel (T, 1, Z, Y, X) array."""
    array = np.asarray(data)
    for axis in ("T", "Z"):
        if axis not in axes:
            array = array[None] if axis == "T" else np.expand_dims(array, -3)
    return array[:, None]  # (T, 1, Z, Y, X)
