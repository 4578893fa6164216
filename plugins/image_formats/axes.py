"""Library axis letters onto i2i's T, C, Z, Y, X, and the image a reader returns.

Readers hand over an array-like (a zarr array, a tifffile zarr view, a dask array, a decoded
numpy array) and its axis letters as the library reports them (``"TZYX"``, ``"YXS"``,
``"IYX"``); :func:`standard_axes` maps those letters onto i2i's dims and :func:`axes_image`
wraps the array in an :class:`~i2i.image.ArrayImage`, whose region reads slice the array
directly, so only the chunks, tiles or strips that hold the region are read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import DIMS, NO_DIM, ArrayImage, ImageError, PixelSizes, SlicedArray
from i2i_plugins.image_formats.limits import check_pixels

_EXTRA_AXIS_TARGETS = {"S": "CZT", "E": "CZT"}
"""Samples (RGB) and spectral (lambda) axes become channels when the channel axis is free."""


def standard_axes(axes: str, shape: tuple[int, ...], path: Path) -> str:
    """Library axis letters as T, C, Z, Y, X (each at most once) or ``-`` for dropped axes.

    The letters T, C, Z, Y, X keep their meaning; samples (``S``) and spectra (``E``) become
    C when the file's channel axis has size 1; other axes (tifffile's ``I`` image sequence,
    ``Q`` unknown...) become Z, else T, when those have size 1. Size-1 axes that lose their
    dim this way, or have no i2i dim, are dropped.
    """
    letters = axes.upper()
    sizes = list(shape)
    taken = {a for a, n in zip(letters, sizes, strict=True) if a in DIMS and n > 1}
    result = list(letters)
    for i, (letter, size) in enumerate(zip(letters, sizes, strict=True)):
        if letter in DIMS:
            continue
        target = next((d for d in _EXTRA_AXIS_TARGETS.get(letter, "ZT") if d not in taken), None)
        if size == 1 or target is None:
            if size > 1:
                raise ImageError(
                    f"{path}: its axes {axes!r} (shape {tuple(shape)}) have more than the five "
                    "dims T, C, Z, Y, X that i2i reads. Convert it with a tool that knows its "
                    "layout, or open it with the 'bioio' reader."
                )
            result[i] = NO_DIM
            continue
        taken.add(target)
        result[i] = target
    mapped = {r for r, letter in zip(result, letters, strict=True) if letter not in DIMS}
    for i, letter in enumerate(letters):
        if letter in DIMS and letter in mapped:  # a size-1 dim replaced by S, E, I...
            result[i] = NO_DIM
    if not {"Y", "X"} <= set(result):
        raise ImageError(f"{path}: its axes {axes!r} have no Y and X; it is not an image.")
    return "".join(result)


def axes_image(
    path: Path,
    reader: str,
    array: SlicedArray,
    axes: str,
    channel_names: list[str] | None,
    pixel_sizes: PixelSizes,
    *,
    materialize: Callable[[Any], np.ndarray] = np.asarray,
    on_close: Callable[[], None] | None = None,
) -> ArrayImage:
    """``array`` with library axis letters ``axes`` as an image of ``path``.

    Channel names that do not match the channel count (metadata that disagrees with the
    pixels) are replaced by ``C0, C1, ...``. An image beyond ``I2I_MAX_PIXELS`` is refused.
    """
    check_pixels(path, tuple(array.shape))
    dims = standard_axes(axes, tuple(array.shape), path)
    sizes = dict(zip(dims, array.shape, strict=True))
    if channel_names is not None and len(channel_names) != sizes.get("C", 1):
        channel_names = None
    return ArrayImage(
        array,
        dims=dims,
        channel_names=channel_names,
        pixel_sizes=pixel_sizes,
        path=path,
        reader=reader,
        materialize=materialize,
        on_close=on_close,
    )
