"""The ``Image`` abstraction and the contracts of the components that read and write images.

- :class:`Image`: a lazily read 5-D (T, C, Z, Y, X) image with channel names and physical
  pixel sizes; region reads (one channel by name or index, some z-planes, a Y/X window) touch
  only the bytes needed. :class:`PixelSizes` holds the sizes in micrometres and the time
  between time points in seconds.
- :class:`ArrayImage`: the one concrete image over an array whose axes have letter names
  (numpy, memory-mapped, zarr, dask, a TIFF view): arrays given in Python and files opened
  by readers are both seen through it. :class:`ArraySink` is an output kept in memory.
- :class:`Reader`, :class:`Writer` and :class:`Sink`: what the ``readers`` and ``writers``
  registries build, and what a writer's ``open`` returns. :class:`InstallHint` is a reader's
  note of a package that would let it read more formats.

Choosing a reader or writer, writing and converting are in :mod:`i2i.io` (which imports this
module, never the reverse).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from i2i.errors import I2IError

DIMS = "TCZYX"

NO_DIM = "-"
"""In :class:`ArrayImage` dims: a size-1 array axis that is no i2i dim (read at index 0)."""

LIBRARY_ERRORS = (OSError, ValueError, KeyError, IndexError, RuntimeError, TypeError)
"""What file libraries raise on corrupt or truncated data; wrapped into :class:`ImageError`."""

_DIMS_BY_RANK = {2: "YX", 3: "CYX", 4: "CZYX", 5: "TCZYX"}
"""The dims of an array given without names, by its number of axes."""


class ImageError(I2IError):
    """A file cannot be read or written, or a region is out of range."""


class DiskFullError(ImageError):
    """An output does not fit on its file system (no space left, or a file-size limit)."""


@dataclass(frozen=True)
class PixelSizes:
    """Physical pixel sizes in micrometres (z, y, x) and the time between time points in
    seconds (t, OME ``TimeIncrement``); ``None`` when the file does not record them."""

    z: float | None = None
    y: float | None = None
    x: float | None = None
    t: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        """The spatial sizes (µm) by axis; the time increment is :attr:`t` (seconds)."""
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
    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> npt.NDArray[Any]:
        """Read a validated region as a (T, C, Z, Y, X) numpy array."""

    def close(self) -> None:  # noqa: B027  (optional hook; most readers hold nothing open)
        """Release open files; reading afterwards is an error of the reader's choosing."""

    def __enter__(self) -> Image:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

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
    ) -> npt.NDArray[Any]:
        """Read a region as a (T, C, Z, Y, X) array; an integer keeps its axis (size 1).

        ``channel`` is a name, an index, a list of either, or a slice; ``None`` means all.
        """
        size_t, size_c, size_z, size_y, size_x = self.shape
        channels = self._channel_list(channel, size_c)
        region = (
            self._axis(t, size_t, "t", "time points"),
            channels,
            self._axis(z, size_z, "z", "z-planes"),
            self._axis(y, size_y, "y", "rows"),
            self._axis(x, size_x, "x", "columns"),
        )
        try:
            return self._read(*region)
        except I2IError:
            raise
        except LIBRARY_ERRORS as exc:
            raise ImageError(
                f"{self.path}: reading t={_span(region[0])}, channels {channels}, "
                f"z={_span(region[2])}, y={_span(region[3])}, x={_span(region[4])} failed with "
                f"the {self.reader!r} reader ({type(exc).__name__}: {exc}). The file is "
                "truncated or corrupt, or changed since it was opened."
            ) from exc

    def read_plane(self, *, channel: int | str = 0, z: int = 0, t: int = 0) -> npt.NDArray[Any]:
        """One (Y, X) plane."""
        return self.read(t=t, channel=channel, z=z)[0, 0, 0]

    def _channel_list(self, channel: ChannelIndex, size_c: int) -> list[int]:
        if channel is None:
            return list(range(size_c))
        if isinstance(channel, slice):
            selected = list(range(size_c))[channel]
            if not selected:
                raise ImageError(
                    f"{self.path}: channel range {channel.start}:{channel.stop} selects no "
                    f"channel; the image has {size_c}: {', '.join(map(repr, self.channel_names))}."
                )
            return selected
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
            "time_increment_s": self.pixel_sizes.t,
        }

    def __repr__(self) -> str:
        return (
            f"Image({str(self.path)!r}, shape={self.shape}, dtype={self.dtype}, "
            f"channels={self.channel_names}, pixel_sizes={self.pixel_sizes})"
        )


def _span(index: slice) -> str:
    return f"{index.start}:{index.stop}"


class SlicedArray(Protocol):
    """An array-like read by basic indexing (ints and step-1 slices), one region at a time."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> Any: ...  # numpy, zarr and dask each have their own dtype type

    def __getitem__(self, key: tuple[int | slice, ...], /) -> Any: ...


class ArrayImage(Image):
    """An array whose axes are named by letters, seen as an :class:`Image`.

    ``dims`` names each axis of ``array`` with one of T, C, Z, Y, X (each at most once, Y and X
    required) or ``-`` for a size-1 axis that is no i2i dim; the dims it lacks have size 1.
    Without ``dims``, arrays of 2 to 5 axes are (Y, X), (C, Y, X), (C, Z, Y, X) and
    (T, C, Z, Y, X). The array is sliced per read, so a lazy array (memory-mapped, zarr, dask,
    a TIFF view) reads only the region asked for; ``materialize`` turns a slice into numpy
    (``np.asarray``; a dask slice needs its ``compute``). Tensors are copied to numpy once.
    Readers pass their file's ``path``, their own name as ``reader``, and ``on_close`` to
    release the file.
    """

    def __init__(
        self,
        array: SlicedArray | npt.ArrayLike,
        *,
        dims: str | None = None,
        channel_names: Sequence[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
        path: str | Path = "<array>",
        reader: str = "array",
        materialize: Callable[[Any], npt.NDArray[Any]] = np.asarray,
        on_close: Callable[[], None] | None = None,
    ):
        self.path = Path(path)
        self.reader = reader
        self._array = _sliceable(array)
        shape = tuple(int(n) for n in self._array.shape)
        self.array_dims = _checked_dims(dims, shape, self.path)
        self._given_rank = len(shape) if dims is None else None
        sizes = dict(zip(self.array_dims, shape, strict=True))
        t, c, z, y, x = (sizes.get(d, 1) for d in DIMS)
        self._shape = (t, c, z, y, x)
        if channel_names is not None and len(channel_names) != c:
            raise ImageError(
                f"{self.path}: {len(channel_names)} channel name(s) {list(channel_names)} for "
                f"{c} channel(s); give one name per channel."
            )
        self._channel_names = [str(n) for n in channel_names or [f"C{i}" for i in range(c)]]
        self._pixel_sizes = pixel_sizes or PixelSizes()
        self._materialize = materialize
        self._on_close = on_close

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        return self._shape

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

    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> npt.NDArray[Any]:
        channels = _as_slice(c)
        if channels is None:  # scattered channels: one read each
            return np.concatenate([self._read(t, [i], z, y, x) for i in c], axis=1)
        by_dim = {"T": t, "C": channels, "Z": z, "Y": y, "X": x}
        key = tuple(0 if a == NO_DIM else by_dim[a] for a in self.array_dims)
        block = self._materialize(self._array[key])
        present = [a for a in self.array_dims if a != NO_DIM]
        missing = [d for d in DIMS if d not in present]
        block = block.reshape(block.shape + (1,) * len(missing))  # absent dims have size 1
        order = present + missing
        return np.ascontiguousarray(block.transpose([order.index(d) for d in DIMS]))

    def restore_rank(self, result: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """A (T, C, Z, Y, X) ``result`` with the leading dims of an array given without dims.

        The result keeps its own channels (a prediction has the model's): (Y, X) and (C, Y, X)
        arrays give (C, Y, X), (C, Z, Y, X) gives (C, Z, Y, X). Images with named ``dims``
        (and (T, C, Z, Y, X) arrays) get ``result`` unchanged.
        """
        if self._given_rank is None or self._given_rank == 5:
            return result
        if self._given_rank == 4:
            return result[0]
        return result[0, :, 0]


def _sliceable(array: SlicedArray | npt.ArrayLike) -> SlicedArray:
    """``array`` itself when it slices lazily; tensors and sequences as numpy arrays."""
    detach = getattr(array, "detach", None)
    if detach is not None:  # a torch tensor, possibly on a GPU
        return np.asarray(detach().cpu())
    if all(hasattr(array, a) for a in ("shape", "dtype", "__getitem__")):
        sliced: SlicedArray = array  # type: ignore[assignment]
        return sliced
    return np.asarray(array)


def _checked_dims(dims: str | None, shape: tuple[int, ...], path: Path) -> str:
    if dims is None:
        if len(shape) not in _DIMS_BY_RANK:
            raise ImageError(
                f"{path}: an array of shape {shape} has no default dims: give (Y, X), (C, Y, X), "
                "(C, Z, Y, X) or (T, C, Z, Y, X), or name its axes (dims='ZYX')."
            )
        return _DIMS_BY_RANK[len(shape)]
    dims = dims.upper()
    named = [d for d in dims if d != NO_DIM]
    problem = None
    if len(dims) != len(shape):
        problem = f"they name {len(dims)} axes, but the array has {len(shape)}"
    elif set(dims) - set(DIMS + NO_DIM):
        problem = f"letters other than {', '.join(DIMS)} and {NO_DIM!r}"
    elif len(named) != len(set(named)):
        problem = "a dim is named twice"
    elif not {"Y", "X"} <= set(named):
        problem = "Y and X are required"
    elif any(d == NO_DIM and n != 1 for d, n in zip(dims, shape, strict=True)):
        problem = f"an axis marked {NO_DIM!r} must have size 1"
    if problem is not None:
        raise ImageError(
            f"{path}: dims {dims!r} do not fit an array of shape {shape}: {problem}. Name "
            f"each axis with one of {', '.join(DIMS)} (or {NO_DIM!r} for a size-1 axis)."
        )
    return dims


def _as_slice(indices: list[int]) -> slice | None:
    """A step-1 slice equal to ``indices``, or ``None`` when they are not consecutive."""
    if indices == list(range(indices[0], indices[0] + len(indices))):
        return slice(indices[0], indices[0] + len(indices))
    return None


# -- the components that read and write images ---------------------------------------------


@runtime_checkable
class Sink(Protocol):
    """A 5-D output written region by region; leaving its ``with`` block completes it.

    Writers' sinks write under a temporary name and move the output into place when the block
    ends normally, and delete it on an exception.
    """

    def write_region(
        self,
        array: npt.NDArray[Any],
        *,
        t: int | slice = 0,
        z: int | slice = 0,
        c: int | slice | None = None,
        y: slice | None = None,
        x: slice | None = None,
    ) -> None:
        """Store a (T, C, Z, Y, X) block at the position given (ints keep their axis)."""

    def __enter__(self) -> Sink: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


Region = tuple[slice, slice, slice, slice, slice]
"""A (T, C, Z, Y, X) region of an image as five step-1 slices."""


def sink_region(
    shape: Sequence[int],
    where: str | Path,
    *,
    t: int | slice = 0,
    c: int | slice | None = None,
    z: int | slice = 0,
    y: slice | None = None,
    x: slice | None = None,
) -> Region:
    """The region a :meth:`Sink.write_region` call addresses in an image of ``shape``.

    An int keeps its axis (``t=2`` is ``slice(2, 3)``), ``None`` is the whole axis; a region
    outside the image or not a step-1 range is an :class:`ImageError` naming ``where``.
    """
    region = []
    for dim, index, size in zip(DIMS, (t, c, z, y, x), shape, strict=True):
        if index is None:
            index = slice(0, size)
        elif isinstance(index, int):
            index = slice(index, index + 1)
        start, stop, step = index.indices(size)
        if step != 1 or start >= stop or (index.stop or 0) > size or (index.start or 0) < 0:
            raise ImageError(
                f"{where}: region {dim.lower()}={index} is outside the image "
                f"({dim.lower()}=0..{size - 1}) or not a step-1 range."
            )
        region.append(slice(start, stop))
    t_, c_, z_, y_, x_ = region
    return t_, c_, z_, y_, x_


class ArraySink:
    """A :class:`Sink` that keeps the output in memory as ``array`` (T, C, Z, Y, X)."""

    def __init__(self, shape: tuple[int, ...], dtype: npt.DTypeLike = np.float32):
        self.array = np.zeros(shape, dtype=dtype)

    def write_region(
        self,
        array: npt.NDArray[Any],
        *,
        t: int | slice = 0,
        z: int | slice = 0,
        c: int | slice | None = None,
        y: slice | None = None,
        x: slice | None = None,
    ) -> None:
        self.array[
            sink_region(self.array.shape, "the in-memory output", t=t, c=c, z=z, y=y, x=x)
        ] = array

    def __enter__(self) -> ArraySink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


@dataclass(frozen=True)
class InstallHint:
    """A package that lets a reader read more formats (shown when no reader reads a file)."""

    package: str
    """What to ``pip install``."""
    suffixes: tuple[str, ...] = ()
    """The file suffixes it adds (lowercase, with the dot); empty: any other format."""
    note: str = ""
    """What else to know (``"needs Java"``)."""


@runtime_checkable
class Reader(Protocol):
    """What a ``readers`` component builds: a content check and a lazy open.

    Optional attributes read by :func:`i2i.io.open_image`: ``priority: int`` (higher is asked
    first, default 0), ``suffixes: tuple[str, ...]`` (the names it reads, for error messages)
    and ``install_hints: tuple[InstallHint, ...]`` (packages that would let it read more).
    """

    def can_read(self, path: Path) -> bool:
        """Whether ``path`` is this reader's format (cheap: magic bytes, metadata files)."""

    def open(self, path: Path) -> Image:
        """The image at ``path``, metadata read, pixels read on demand."""


@runtime_checkable
class Writer(Protocol):
    """What a ``writers`` component builds: region sinks and whole-array writes."""

    suffixes: tuple[str, ...]
    """The output names it writes (``.ome.zarr``); the longest match chooses the writer."""

    def open(
        self,
        path: str | Path,
        *,
        shape: tuple[int, ...],
        dtype: npt.DTypeLike,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Sink:
        """A sink for an image of ``shape`` (T, C, Z, Y, X) that becomes ``path`` when done."""

    def write(
        self,
        path: str | Path,
        array: npt.NDArray[Any],
        *,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Path:
        """Write a whole (T, C, Z, Y, X) array to ``path``."""
