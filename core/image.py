"""The ``Image`` abstraction: a lazy 5-D (T, C, Z, Y, X) array with microscopy metadata.

Readers (plugins in the ``readers`` registry) open a path and return an :class:`Image`. An
image knows its shape, dtype, channel names and physical pixel sizes, and reads regions
(one channel by name or index, some z-planes, a Y/X window) touching only the bytes needed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i2i.errors import I2IError

if TYPE_CHECKING:
    import numpy as np

DIMS = "TCZYX"


class ImageError(I2IError):
    """A file cannot be read or written, or a region is out of range."""


@dataclass(frozen=True)
class PixelSizes:
    """Physical pixel sizes in micrometres; ``None`` when the file does not record them."""

    z: float | None = None
    y: float | None = None
    x: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {"z": self.z, "y": self.y, "x": self.x}


Index = int | slice | None
ChannelIndex = int | str | list[int | str] | slice | None


class Image(ABC):
    """A lazily read image with dims T, C, Z, Y, X (always five, size 1 when absent)."""

    path: Path
    reader: str

    @property
    @abstractmethod
    def shape(self) -> tuple[int, int, int, int, int]:
        """(T, C, Z, Y, X)."""

    @property
    @abstractmethod
    def dtype(self) -> np.dtype[Any]:
        """The stored pixel type."""

    @property
    @abstractmethod
    def channel_names(self) -> list[str]:
        """One name per channel (generated ``C0, C1, ...`` when the file has none)."""

    @property
    @abstractmethod
    def pixel_sizes(self) -> PixelSizes:
        """Physical pixel sizes (µm)."""

    @abstractmethod
    def _read(
        self, t: slice, c: list[int], z: slice, y: slice, x: slice
    ) -> np.ndarray[Any, Any]:
        """Read a validated region as a (T, C, Z, Y, X) numpy array."""

    @property
    def dims(self) -> str:
        return DIMS

    @property
    def sizes(self) -> dict[str, int]:
        return dict(zip(DIMS, self.shape, strict=True))

    def channel_index(self, channel: int | str) -> int:
        """The index of a channel given by name or index; out of range lists what exists."""
        names = self.channel_names
        if isinstance(channel, str):
            if channel in names:
                return names.index(channel)
            lowered = [n.lower() for n in names]
            if channel.lower() in lowered:
                return lowered.index(channel.lower())
            raise ImageError(
                f"{self.path}: no channel named {channel!r}; it has {len(names)} channel(s): "
                f"{', '.join(repr(n) for n in names)}. Give a name from this list or an index."
            )
        if not -len(names) <= channel < len(names):
            raise ImageError(
                f"{self.path}: channel index {channel} is out of range; it has {len(names)} "
                f"channel(s) (0..{len(names) - 1}): {', '.join(repr(n) for n in names)}."
            )
        return channel % len(names)

    def read(
        self,
        *,
        t: Index = None,
        channel: ChannelIndex = None,
        z: Index = None,
        y: slice | None = None,
        x: slice | None = None,
    ) -> np.ndarray[Any, Any]:
        """Read a region as a (T, C, Z, Y, X) array; an integer keeps its axis (size 1).

        ``channel`` is a name, an index, a list of either, or a slice; ``None`` means all.
        """
        size_t, size_c, size_z, size_y, size_x = self.shape
        channels = self._channel_list(channel, size_c)
        return self._read(
            self._axis(t, size_t, "t", "time points"),
            channels,
            self._axis(z, size_z, "z", "z-planes"),
            self._axis(y, size_y, "y", "rows"),
            self._axis(x, size_x, "x", "columns"),
        )

    def read_plane(
        self, *, channel: int | str = 0, z: int = 0, t: int = 0
    ) -> np.ndarray[Any, Any]:
        """One (Y, X) plane."""
        return self.read(t=t, channel=channel, z=z)[0, 0, 0]

    def _channel_list(self, channel: ChannelIndex, size_c: int) -> list[int]:
        if channel is None:
            return list(range(size_c))
        if isinstance(channel, slice):
            return list(range(size_c))[channel]
        if isinstance(channel, list):
            return [self.channel_index(c) for c in channel]
        return [self.channel_index(channel)]

    def _axis(self, index: Index, size: int, axis: str, what: str) -> slice:
        if index is None:
            return slice(0, size)
        if isinstance(index, int):
            if not -size <= index < size:
                raise ImageError(
                    f"{self.path}: {axis}={index} is out of range; the image has {size} "
                    f"{what} ({axis}=0..{size - 1})."
                )
            index %= size
            return slice(index, index + 1)
        start, stop, step = index.indices(size)
        if step != 1:
            raise ImageError(f"{self.path}: {axis} slices must have step 1, got {index}.")
        if start >= stop:
            raise ImageError(
                f"{self.path}: {axis} range {index.start}:{index.stop} is empty; the image has "
                f"{size} {what}."
            )
        return slice(start, stop)

    def describe(self) -> dict[str, Any]:
        """What ``i2i info`` prints."""
        return {
            "path": str(self.path),
            "reader": self.reader,
            "dims": DIMS,
            "shape": list(self.shape),
            "dtype": str(self.dtype),
            "channel_names": self.channel_names,
            "pixel_sizes_um": self.pixel_sizes.as_dict(),
        }

    def __repr__(self) -> str:
        return (
            f"Image({str(self.path)!r}, shape={self.shape}, dtype={self.dtype}, "
            f"channels={self.channel_names}, pixel_sizes={self.pixel_sizes})"
        )


def open_image(path: str | Path, reader: str | None = None) -> Image:
    """Open ``path`` with the named reader, or the first installed reader that accepts it.

    Reader components are built with their default parameters and must provide
    ``can_read(path) -> bool`` and ``open(path) -> Image``.
    """
    from i2i.plugins import get_registries

    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file or folder. Check the path and try again.")
    readers = get_registries().readers
    if reader is not None:
        return readers.create({"name": reader}).open(path)
    for component in readers:
        candidate = component.build()
        if candidate.can_read(path):
            image: Image = candidate.open(path)
            return image
    names = ", ".join(readers.names()) or "none"
    raise ImageError(
        f"{path}: no installed reader reads this format (suffix {path.suffix or 'none'!r}). "
        f"Installed readers: {names}. For vendor formats install the matching bioio plugin "
        "(bioio-czi for .czi, bioio-nd2 for .nd2, bioio-lif for .lif, bioio-bioformats for "
        "others)."
    )
