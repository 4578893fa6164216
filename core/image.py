"""The ``Image`` abstraction: a lazy 5-D (T, C, Z, Y, X) array with microscopy metadata.

Readers (plugins in the ``readers`` registry) open a path and return an :class:`Image`. An
image knows its shape, dtype, channel names and physical pixel sizes, and reads regions
(one channel by name or index, some z-planes, a Y/X window) touching only the bytes needed.
Writers (the ``writers`` registry) store (T, C, Z, Y, X) arrays whole or region by region.

- :func:`open_image` chooses a reader by content (highest ``priority`` first) or by name.
- :func:`write_image` writes an array, choosing the writer by the file's suffix.
- :func:`convert_image` copies any readable image into any writable format, band by band.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from i2i.errors import I2IError

if TYPE_CHECKING:
    import numpy as np

DIMS = "TCZYX"

_LIBRARY_ERRORS = (OSError, ValueError, KeyError, IndexError, RuntimeError, TypeError)
"""What file libraries raise on corrupt or truncated data; wrapped into :class:`ImageError`."""

BIOIO_PLUGINS_BY_SUFFIX = {
    ".czi": "bioio-czi",
    ".nd2": "bioio-nd2",
    ".lif": "bioio-lif",
    ".dv": "bioio-dv",
    ".r3d": "bioio-dv",
    ".sldy": "bioio-sldy",
    ".ims": "bioio-imaris",
    ".tif": "bioio-tifffile",
    ".tiff": "bioio-tifffile",
    ".zarr": "bioio-ome-zarr",
    ".png": "bioio-imageio",
    ".jpg": "bioio-imageio",
}
"""The bioio plugin that reads each vendor format (others: bioio-bioformats, needs Java)."""


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
    def _read(self, t: slice, c: list[int], z: slice, y: slice, x: slice) -> np.ndarray[Any, Any]:
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
    ) -> np.ndarray[Any, Any]:
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
        except _LIBRARY_ERRORS as exc:
            raise ImageError(
                f"{self.path}: reading t={_span(region[0])}, channels {channels}, "
                f"z={_span(region[2])}, y={_span(region[3])}, x={_span(region[4])} failed with "
                f"the {self.reader!r} reader ({type(exc).__name__}: {exc}). The file is "
                "truncated or corrupt, or changed since it was opened."
            ) from exc

    def read_plane(self, *, channel: int | str = 0, z: int = 0, t: int = 0) -> np.ndarray[Any, Any]:
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
        }

    def __repr__(self) -> str:
        return (
            f"Image({str(self.path)!r}, shape={self.shape}, dtype={self.dtype}, "
            f"channels={self.channel_names}, pixel_sizes={self.pixel_sizes})"
        )


def _span(index: slice) -> str:
    return f"{index.start}:{index.stop}"


def open_image(path: str | Path, reader: str | None = None) -> Image:
    """Open ``path`` with the named reader, or the first installed reader that accepts it.

    Readers are components of the ``readers`` registry, built with default parameters; they
    provide ``can_read(path) -> bool`` and ``open(path) -> Image`` and may set ``priority``
    (higher is asked first, default 0; i2i's format readers use 20-30 and its generic
    ``bioio`` reader -10) and ``suffixes`` (used in error messages).
    """
    from i2i.plugins import get_registries

    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file or folder. Check the path and try again.")
    registry = get_registries().readers
    if reader is not None:
        return _open_with(registry.create({"name": reader}), reader, path)
    candidates = sorted(
        ((c.name, c.build()) for c in registry),
        key=lambda item: (-getattr(item[1], "priority", 0), item[0]),
    )
    for name, candidate in candidates:
        if candidate.can_read(path):
            return _open_with(candidate, name, path)
    raise ImageError(_unsupported_message(path, candidates))


def _open_with(candidate: Any, name: str, path: Path) -> Image:
    try:
        image: Image = candidate.open(path)
    except I2IError:
        raise
    except _LIBRARY_ERRORS as exc:
        raise ImageError(
            f"{path}: the {name!r} reader cannot read it ({type(exc).__name__}: {exc}). The "
            "file is corrupt or truncated, or is not the format its reader expects."
        ) from exc
    return image


def _unsupported_message(path: Path, candidates: list[tuple[str, Any]]) -> str:
    names = ", ".join(name for name, _ in candidates) or "none"
    suffix = path.suffix.lower()
    claimed = [n for n, r in candidates if suffix and suffix in getattr(r, "suffixes", ())]
    if claimed:
        return (
            f"{path}: its name ends in {suffix!r}, which the {', '.join(claimed)} reader(s) "
            "read, but its content is not that format: the file is corrupt, truncated or "
            f"misnamed. Installed readers: {names}."
        )
    plugin = BIOIO_PLUGINS_BY_SUFFIX.get(suffix, "bioio-bioformats (needs Java)")
    return (
        f"{path}: no installed reader reads this format (suffix {suffix or 'none'!r}). "
        f"Installed readers: {names}. Install the bioio plugin for it, e.g. "
        f"'pip install {plugin.split()[0]}' ({plugin}); i2i's 'bioio' reader then reads it. "
        "Vendor formats: bioio-czi (.czi), bioio-nd2 (.nd2), bioio-lif (.lif), "
        "bioio-bioformats (most others)."
    )


def get_writer(path: str | Path, writer: str | Any = None, **params: Any) -> Any:
    """The writer for ``path``: named (with ``params``), given as an object, or by suffix.

    By suffix the installed writer with the longest matching suffix wins (``.ome.zarr`` and
    ``.zarr`` -> ``ome_zarr``; ``.ome.tif``, ``.ome.tiff``, ``.tif`` -> ``ome_tiff``).
    """
    from i2i.plugins import get_registries

    registry = get_registries().writers
    if writer is not None and not isinstance(writer, str):
        return writer
    if writer is not None:
        return _create_writer(registry, writer, path, params)
    name = Path(path).name.lower()
    matches: list[tuple[int, str]] = []
    known: list[str] = []
    for component in registry:
        suffixes = [s.lower() for s in component.build().suffixes]
        known += suffixes
        matches += [(len(s), component.name) for s in suffixes if name.endswith(s)]
    if not matches:
        raise ImageError(
            f"{path}: no installed writer writes files named like this. Known output "
            f"suffixes: {', '.join(known) or 'none (install a writer plugin)'}. Name the "
            "output e.g. 'image.ome.zarr' or 'image.ome.tif'."
        )
    return _create_writer(registry, max(matches)[1], path, params)


def _create_writer(registry: Any, name: str, path: str | Path, params: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return registry.create({"name": name, **params})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors()
        )
        fields = ", ".join(registry.get(name).params.model_fields) or "none"
        raise ImageError(
            f"{path}: the {name!r} writer does not accept {params} ({problems}). Its "
            f"parameters: {fields}."
        ) from None


def write_image(
    path: str | Path,
    array: Any,
    channel_names: list[str] | None = None,
    pixel_sizes: PixelSizes | None = None,
    writer: str | Any = None,
    **params: Any,
) -> Path:
    """Write a (T, C, Z, Y, X) array (or (C, Z, Y, X), (C, Y, X), (Y, X)) atomically.

    ``writer`` is a writer name, a writer object, or ``None`` to choose by ``path``'s suffix;
    ``params`` are the named writer's parameters (``chunk=256, pyramid=2``...).
    """
    import numpy as np

    data = np.asarray(array)
    if not 2 <= data.ndim <= 5:
        raise ImageError(
            f"{path}: cannot write a {data.ndim}-D array; give (T, C, Z, Y, X), (C, Z, Y, X), "
            "(C, Y, X) or (Y, X)."
        )
    if data.ndim == 3:
        data = data[:, None]  # (C, Y, X) -> (C, 1, Y, X)
    data = data.reshape((1,) * (5 - data.ndim) + data.shape)
    chosen = get_writer(path, writer, **params)
    chosen.write(Path(path), data, channel_names=channel_names, pixel_sizes=pixel_sizes)
    return Path(path)


def convert_image(
    source: str | Path | Image,
    destination: str | Path,
    *,
    reader: str | None = None,
    writer: str | Any = None,
    band_rows: int = 1024,
    **params: Any,
) -> Path:
    """Copy an image into another format, keeping channel names and pixel sizes.

    Reads and writes bands of ``band_rows`` rows per (t, c, z) plane, so memory stays bounded
    by one band whatever the image size. ``params`` go to the writer (``chunk``, ``pyramid``).
    """
    image = source if isinstance(source, Image) else open_image(source, reader)
    chosen = get_writer(destination, writer, **params)
    size_t, size_c, size_z, size_y, size_x = image.shape
    with chosen.open(
        Path(destination),
        shape=image.shape,
        dtype=image.dtype,
        channel_names=image.channel_names,
        pixel_sizes=image.pixel_sizes,
    ) as sink:
        for t in range(size_t):
            for z in range(size_z):
                for start in range(0, size_y, band_rows):
                    rows = slice(start, min(start + band_rows, size_y))
                    block = image.read(t=t, z=z, y=rows)  # (1, C, 1, rows, X)
                    sink.write_region(
                        block, t=t, z=z, c=slice(0, size_c), y=rows, x=slice(0, size_x)
                    )
    return Path(destination)
