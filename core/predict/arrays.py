"""In-memory images and output sinks, so arrays go through the same path as files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import Image, ImageError, PixelSizes


class ArrayImage(Image):
    """A numpy array (or tensor) seen as an :class:`~i2i.image.Image`.

    Arrays of 2 to 5 dims are read as (Y, X), (C, Y, X), (C, Z, Y, X) or (T, C, Z, Y, X).
    """

    reader = "array"

    def __init__(
        self,
        array: Any,
        *,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ):
        data = np.asarray(array.detach().cpu() if hasattr(array, "detach") else array)
        if not 2 <= data.ndim <= 5:
            raise ImageError(
                f"An array of shape {data.shape} cannot be predicted: give (Y, X), (C, Y, X), "
                "(C, Z, Y, X) or (T, C, Z, Y, X)."
            )
        self.input_ndim = data.ndim
        leading = {
            2: (1, 1, 1),
            3: (1, data.shape[0], 1),
            4: (1, *data.shape[:2]),
            5: data.shape[:3],
        }
        self._data = data.reshape(*leading[data.ndim], *data.shape[-2:])
        self.path = Path("<array>")
        self._names = channel_names or [f"C{i}" for i in range(self._data.shape[1])]
        self._pixel_sizes = pixel_sizes or PixelSizes()

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        t, c, z, y, x = self._data.shape
        return t, c, z, y, x

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def channel_names(self) -> list[str]:
        return list(self._names)

    @property
    def pixel_sizes(self) -> PixelSizes:
        return self._pixel_sizes

    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> np.ndarray:
        return self._data[t, c, z, y, x]

    def restore_rank(self, result: np.ndarray) -> np.ndarray:
        """A (T, C, Z, Y, X) result with the leading dims of the input array."""
        if self.input_ndim == 5:
            return result
        if self.input_ndim == 4:
            return result[0]
        return result[0, :, 0]


class ArraySink:
    """An in-memory output with the writers' ``write_region`` interface."""

    def __init__(self, shape: tuple[int, ...], dtype: Any = np.float32):
        self.array = np.zeros(shape, dtype=dtype)  # (T, C, Z, Y, X)

    def write_region(
        self,
        array: np.ndarray,
        *,
        t: int | slice = 0,
        z: int | slice = 0,
        c: slice | None = None,
        y: slice,
        x: slice,
    ) -> None:
        t = slice(t, t + 1) if isinstance(t, int) else t
        z = slice(z, z + 1) if isinstance(z, int) else z
        self.array[t, c if c is not None else slice(None), z, y, x] = array
