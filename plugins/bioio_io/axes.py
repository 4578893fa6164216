"""An :class:`~i2i.image.Image` over any lazily sliced array whose axes have letter names.

Readers hand over an array-like (a zarr array, a tifffile zarr view, a dask array, a decoded
numpy array) and its axis letters as the library reports them (``"TZYX"``, ``"YXS"``,
``"IYX"``); :func:`standard_axes` maps those letters onto i2i's T, C, Z, Y, X and a region read
slices the array directly, so only the chunks, tiles or strips that hold the region are read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import DIMS, Image, ImageError, PixelSizes

DROPPED = "-"
"""Marks a size-1 axis that has no i2i dim (indexed at 0)."""

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
            result[i] = DROPPED
            continue
        taken.add(target)
        result[i] = target
    mapped = {r for r, letter in zip(result, letters, strict=True) if letter not in DIMS}
    for i, letter in enumerate(letters):
        if letter in DIMS and letter in mapped:  # a size-1 dim replaced by S, E, I...
            result[i] = DROPPED
    if not {"Y", "X"} <= set(result):
        raise ImageError(f"{path}: its axes {axes!r} have no Y and X; it is not an image.")
    return "".join(result)


class AxesImage(Image):
    """An image backed by an array-like sliced by basic indexing (ints and slices)."""

    def __init__(
        self,
        path: Path,
        reader: str,
        array: Any,
        axes: str,
        channel_names: list[str] | None,
        pixel_sizes: PixelSizes,
        *,
        materialize: Callable[[Any], np.ndarray] = np.asarray,
        on_close: Callable[[], None] | None = None,
    ):
        self.path = path
        self.reader = reader
        self._array = array
        self._axes = standard_axes(axes, tuple(array.shape), path)
        self._materialize = materialize
        self._on_close = on_close
        sizes = dict(zip(self._axes, array.shape, strict=True))
        self._shape = tuple(sizes.get(d, 1) for d in DIMS)
        count = self._shape[1]
        if channel_names is None or len(channel_names) != count:
            channel_names = [f"C{i}" for i in range(count)]
        self._channel_names = [str(n) for n in channel_names]
        self._pixel_sizes = pixel_sizes

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        t, c, z, y, x = self._shape
        return t, c, z, y, x

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(self._array.dtype)

    @property
    def channel_names(self) -> list[str]:
        return list(self._channel_names)

    @property
    def pixel_sizes(self) -> PixelSizes:
        return self._pixel_sizes

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> np.ndarray[Any, Any]:
        channels = _as_slice(c)
        if channels is None:  # scattered channels: one read each
            return np.concatenate([self._read(t, [i], z, y, x) for i in c], axis=1)
        by_dim = {"T": t, "C": channels, "Z": z, "Y": y, "X": x}
        key = tuple(0 if a == DROPPED else by_dim[a] for a in self._axes)
        block = self._materialize(self._array[key])
        present = [a for a in self._axes if a != DROPPED]
        missing = [d for d in DIMS if d not in present]
        block = block.reshape(block.shape + (1,) * len(missing))  # absent dims have size 1
        order = present + missing
        return np.ascontiguousarray(block.transpose([order.index(d) for d in DIMS]))


def _as_slice(indices: list[int]) -> slice | None:
    """A step-1 slice equal to ``indices``, or ``None`` when they are not consecutive."""
    if indices == list(range(indices[0], indices[0] + len(indices))):
        return slice(indices[0], indices[0] + len(indices))
    return None
