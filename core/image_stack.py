"""Stacking single-plane files into one multi-plane image.

Transmitted-light z-stacks often arrive as one file per plane (the In silico labeling sample has
13 phase-contrast PNGs). Models trained on stacked planes need them as one image: this writes
the planes, in the order given, as the Z (or C) axis of one OME-Zarr or OME-TIFF file, reading
and writing one plane at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import Image, ImageError, PixelSizes
from i2i.io import get_writer, open_image


def stack_images(
    sources: Sequence[str | Path],
    destination: str | Path,
    *,
    axis: str = "z",
    channel_names: Sequence[str] | None = None,
    pixel_size_um: float | None = None,
    **params: object,
) -> Path:
    """Write the single planes ``sources`` as the ``axis`` (``"z"`` or ``"c"``) of one image."""
    if axis not in ("z", "c"):
        raise ImageError(f"stack axis {axis!r}: use 'z' (planes) or 'c' (channels).")
    if len(sources) < 2:
        raise ImageError("stacking needs at least two single-plane images.")
    first = open_image(sources[0])
    _, _, _, height, width = first.shape
    count = len(sources)
    names = list(channel_names) if channel_names else None
    if axis == "c" and names is not None and len(names) != count:
        raise ImageError(f"{len(names)} channel names given for {count} images to stack.")
    if axis == "z":
        names = names or first.channel_names
    pixels = first.pixel_sizes
    if pixel_size_um is not None:
        pixels = PixelSizes(z=pixels.z, y=pixel_size_um, x=pixel_size_um)
    shape = (1, count, 1, height, width) if axis == "c" else (1, 1, count, height, width)
    writer = get_writer(destination, None, **params)
    with writer.open(
        Path(destination),
        shape=shape,
        dtype=first.dtype,
        channel_names=names or [Path(s).stem for s in sources],
        pixel_sizes=pixels,
    ) as sink:
        for index, source in enumerate(sources):
            with open_image(source) as image:
                _check_plane(image, source, height, width, first.dtype)
                plane = image.read(t=0, channel=0, z=0)  # (1, 1, 1, Y, X)
                c, z = (index, 0) if axis == "c" else (0, index)
                sink.write_region(plane, t=0, c=c, z=z)
    first.close()
    return Path(destination)


def _check_plane(
    image: Image, source: str | Path, height: int, width: int, dtype: np.dtype[Any]
) -> None:
    size_t, size_c, size_z, size_y, size_x = image.shape
    if size_t * size_c * size_z != 1:
        raise ImageError(
            f"{source}: has {size_t * size_c * size_z} planes (T, C, Z = {size_t}, {size_c}, "
            f"{size_z}); stacking takes single-plane images."
        )
    if (size_y, size_x) != (height, width) or image.dtype != dtype:
        raise ImageError(
            f"{source}: {size_y}x{size_x} {image.dtype} does not match the first image "
            f"({height}x{width} {dtype}); stacked planes must share size and type."
        )
