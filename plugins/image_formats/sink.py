"""The region-writing protocol shared by i2i's writers.

``writer.open(path, shape=..., dtype=..., channel_names=..., pixel_sizes=...)`` returns a
:class:`RegionSink`: a context manager whose ``write_region`` stores one (T, C, Z, Y, X)
block. Data go to a temporary name beside ``path``; leaving the ``with`` block normally
finishes the output and moves it into place, an exception deletes it. A full disk (or a
file-size limit) at any step is a :class:`~i2i.image.DiskFullError` naming the output and the
space it needs (:mod:`~i2i_plugins.image_formats.space`); an image beyond ``I2I_MAX_PIXELS`` is
refused before anything is created (:mod:`~i2i_plugins.image_formats.limits`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from i2i.atomic import move_into_place, remove, temporary_sibling
from i2i.image import DIMS, DiskFullError, ImageError, PixelSizes, Region, sink_region
from i2i_plugins.image_formats.limits import check_pixels
from i2i_plugins.image_formats.space import disk_errors


class RegionSink(ABC):
    """A 5-D output written block by block, moved into place when complete."""

    def __init__(
        self,
        path: Path,
        shape: tuple[int, ...],
        dtype: Any,
        channel_names: list[str] | None,
        pixel_sizes: PixelSizes | None,
        params: Any = None,
    ):
        self.path = Path(path)
        self.params = params
        self.shape = _check_shape(self.path, shape)
        check_pixels(self.path, self.shape, "output")
        self.dtype = np.dtype(dtype)
        self.channel_names = _check_names(self.path, channel_names, self.shape[1])
        self.pixel_sizes = pixel_sizes or PixelSizes()
        self.temporary = temporary_sibling(self.path)

    @abstractmethod
    def _create(self) -> None:
        """Create the empty output at ``self.temporary``."""

    @abstractmethod
    def _store(self, region: Region, block: np.ndarray) -> None:
        """Store a validated block of ``self.dtype``."""

    def _finish(self) -> None:  # noqa: B027  (optional step)
        """Complete the temporary output (pyramids, final encoding) before it moves."""

    def needed_bytes(self) -> int:
        """About how many bytes of disk writing the output takes (for full-disk messages)."""
        return int(np.prod(self.shape)) * self.dtype.itemsize

    def _discard(self) -> None:
        """Release and delete everything written so far."""
        remove(self.temporary)

    def write_region(
        self,
        array: np.ndarray,
        *,
        t: int | slice = 0,
        z: int | slice = 0,
        c: slice | None = None,
        y: slice | None = None,
        x: slice | None = None,
    ) -> None:
        """Write a (T, C, Z, Y, X) block at the given position (ints keep their axis)."""
        region = sink_region(self.shape, self.path, t=t, c=c, z=z, y=y, x=x)
        block = np.asarray(array)
        extent = tuple(s.stop - s.start for s in region)
        if block.shape != extent:
            raise ImageError(
                f"{self.path}: a block of shape {block.shape} does not fit the region "
                f"{_format(region)} of shape {extent}; give a (T, C, Z, Y, X) block."
            )
        if not np.can_cast(block.dtype, self.dtype, "same_kind"):
            raise ImageError(
                f"{self.path}: cannot store {block.dtype} values in a {self.dtype} image; "
                f"convert the block to {self.dtype} first."
            )
        try:
            with disk_errors(self.path, self.needed_bytes()):
                self._store(region, block.astype(self.dtype, copy=False))
        except DiskFullError:
            self._discard()  # a full disk: free it now, not when the caller leaves the block
            raise

    def __enter__(self) -> RegionSink:
        self.temporary.parent.mkdir(parents=True, exist_ok=True)
        try:
            with disk_errors(self.path, self.needed_bytes()):
                self._create()
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            with disk_errors(self.path, self.needed_bytes()):
                self._finish()
                move_into_place(self.temporary, self.path)
        except BaseException:
            self._discard()
            raise


def _check_shape(path: Path, shape: tuple[int, ...]) -> tuple[int, int, int, int, int]:
    dims = tuple(int(n) for n in shape)
    if len(dims) != 5 or min(dims) < 1:
        raise ImageError(
            f"{path}: an output shape is five positive sizes (T, C, Z, Y, X), got {tuple(shape)}."
        )
    t, c, z, y, x = dims
    return t, c, z, y, x


def _check_names(path: Path, names: list[str] | None, count: int) -> list[str]:
    if names is None:
        return [f"C{i}" for i in range(count)]
    names = [str(n) for n in names]
    if len(names) != count:
        raise ImageError(
            f"{path}: {len(names)} channel name(s) {names} for {count} channel(s); give one "
            "name per channel."
        )
    return names


def _format(region: Region) -> str:
    return ", ".join(f"{d.lower()}={s.start}:{s.stop}" for d, s in zip(DIMS, region, strict=True))


class SinkWriter:
    """A writer whose ``open`` returns a :class:`RegionSink` of ``sink_class``."""

    sink_class: type[RegionSink]
    suffixes: tuple[str, ...] = ()

    def __init__(self, params: Any):
        self.params = params

    def open(
        self,
        path: str | Path,
        *,
        shape: tuple[int, ...],
        dtype: Any,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> RegionSink:
        """A sink writing regions of an image of ``shape`` to ``path`` (moved there at the end)."""
        return self.sink_class(Path(path), shape, dtype, channel_names, pixel_sizes, self.params)

    def write(
        self,
        path: str | Path,
        array: np.ndarray,
        *,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Path:
        """Write a whole (T, C, Z, Y, X) array."""
        with self.open(
            path,
            shape=array.shape,
            dtype=array.dtype,
            channel_names=channel_names,
            pixel_sizes=pixel_sizes,
        ) as sink:
            sink.write_region(array, t=slice(None), z=slice(None))
        return Path(path)
