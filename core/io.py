"""Reading and writing images through the installed readers and writers.

- :func:`open_image` chooses a reader by content (highest ``priority`` first) or by name.
- :func:`get_writer` chooses a writer by the output's suffix (longest match) or by name.
- :func:`write_image` writes an array; :func:`convert_image` copies any readable image into
  any writable format, band by band.

The types these functions hand over (:class:`~i2i.image.Image`, :class:`~i2i.image.Reader`,
:class:`~i2i.image.Writer`, :class:`~i2i.image.Sink`) are in :mod:`i2i.image`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from i2i.errors import I2IError, validation_problems
from i2i.image import LIBRARY_ERRORS, Image, ImageError, InstallHint, PixelSizes, Reader, Writer
from i2i.output_writer import OutputWriter
from i2i.registry import Registry


def open_image(path: str | Path, reader: str | None = None) -> Image:
    """Open ``path`` with the named reader, or the first installed reader that accepts it.

    Readers are components of the ``readers`` registry (see :class:`~i2i.image.Reader`), built
    with default parameters and asked highest ``priority`` first (i2i's format readers use
    20-30 and its generic ``bioio`` reader -10), then by name.
    """
    from i2i.plugins import get_registries

    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file or folder. Check the path and try again.")
    registry = get_registries().readers
    if reader is not None:
        return _open_with(registry.create({"name": reader}), reader, path)
    candidates: list[tuple[str, Reader]] = sorted(
        ((c.name, c.build()) for c in registry),
        key=lambda item: (-_priority(item[1]), item[0]),
    )
    for name, candidate in candidates:
        if candidate.can_read(path):
            return _open_with(candidate, name, path)
    raise ImageError(_unsupported_message(path, candidates))


def _priority(reader: Reader) -> int:
    return int(getattr(reader, "priority", 0))


def _suffixes(reader: Reader) -> tuple[str, ...]:
    return tuple(getattr(reader, "suffixes", ()))


def _install_hints(reader: Reader) -> tuple[InstallHint, ...]:
    return tuple(getattr(reader, "install_hints", ()))


def _open_with(candidate: Reader, name: str, path: Path) -> Image:
    try:
        return candidate.open(path)
    except I2IError:
        raise
    except LIBRARY_ERRORS as exc:
        raise ImageError(
            f"{path}: the {name!r} reader cannot read it ({type(exc).__name__}: {exc}). The "
            "file is corrupt or truncated, or is not the format its reader expects."
        ) from exc


def _unsupported_message(path: Path, candidates: list[tuple[str, Reader]]) -> str:
    names = ", ".join(name for name, _ in candidates) or "none"
    suffix = path.suffix.lower()
    claimed = [n for n, r in candidates if suffix and suffix in _suffixes(r)]
    if claimed:
        return (
            f"{path}: its name ends in {suffix!r}, which the {', '.join(claimed)} reader(s) "
            "read, but its content is not that format: the file is corrupt, truncated or "
            f"misnamed. Installed readers: {names}."
        )
    unsupported = (
        f"{path}: no installed reader reads this format (suffix {suffix or 'none'!r}). "
        f"Installed readers: {names}."
    )
    for name, candidate in candidates:
        hints = _install_hints(candidate)
        hint = _hint_for(suffix, hints)
        if hint is not None:
            return f"{unsupported} {_install_advice(name, hint, hints)}"
    return f"{unsupported} Install a reader plugin for this format."


def _hint_for(suffix: str, hints: tuple[InstallHint, ...]) -> InstallHint | None:
    """The hint naming ``suffix``, else the one for any other format, else ``None``."""
    named = [h for h in hints if suffix and suffix in h.suffixes]
    fallback = [h for h in hints if not h.suffixes]
    return next(iter(named + fallback), None)


def _install_advice(reader: str, hint: InstallHint, hints: tuple[InstallHint, ...]) -> str:
    packages = ", ".join(
        f"{h.package} ({', '.join(h.suffixes) or 'most others'}{'; ' + h.note if h.note else ''})"
        for h in hints
    )
    note = f" ({hint.note})" if hint.note else ""
    return (
        f"Install the package for it, e.g. 'pip install {hint.package}'{note}; i2i's "
        f"{reader!r} reader then reads it. Packages for other formats: {packages}."
    )


WriterSpec = str | Writer | Mapping[str, object] | None
"""A writer as callers give it: a registered name, a writer object, a spec mapping
(``{"name": "ome_zarr", "zarr_format": 3}``; without ``name`` the parameters of the writer the
suffix chooses), or ``None``: chosen by the output's suffix."""


def get_writer(path: str | Path, writer: WriterSpec = None, **params: object) -> OutputWriter:
    """The writer for ``path``: named (with ``params``), given as an object or spec, or by suffix.

    By suffix the installed writer with the longest matching suffix wins (``.ome.zarr`` and
    ``.zarr`` -> ``ome_zarr``; ``.ome.tif``, ``.ome.tiff``, ``.tif`` -> ``ome_tiff``). The
    writer is wrapped in the output rules (:class:`~i2i.output_writer.OutputWriter`): an
    existing ``path`` that is not an earlier image output is not replaced unless the writer is
    made with ``.with_overwrite(True)``.
    """
    from i2i.plugins import get_registries

    registry = get_registries().writers
    if isinstance(writer, OutputWriter):
        return writer
    if isinstance(writer, Mapping):
        spec = {**writer, **params}
        name = spec.pop("name", None)
        return get_writer(path, None if name is None else str(name), **spec)
    if writer is not None and not isinstance(writer, str):
        return OutputWriter(writer)
    name = writer if writer is not None else writer_name_for(path)
    return OutputWriter(_create_writer(registry, name, path, params))


def writer_name_for(path: str | Path) -> str:
    """The name of the installed writer whose suffix is the longest match for ``path``."""
    from i2i.plugins import get_registries

    name = Path(path).name.lower()
    matches: list[tuple[int, str]] = []
    known: list[str] = []
    for component in get_registries().writers:
        suffixes = [s.lower() for s in component.build().suffixes]
        known += suffixes
        matches += [(len(s), component.name) for s in suffixes if name.endswith(s)]
    if not matches:
        raise ImageError(
            f"{path}: no installed writer writes files named like this. Known output "
            f"suffixes: {', '.join(known) or 'none (install a writer plugin)'}. Name the "
            "output e.g. 'image.ome.zarr' or 'image.ome.tif'."
        )
    return max(matches)[1]


def _create_writer(
    registry: Registry, name: str, path: str | Path, params: dict[str, object]
) -> Writer:
    from pydantic import ValidationError

    try:
        writer: Writer = registry.create({"name": name, **params})
    except ValidationError as exc:
        problems = validation_problems(exc, "params")
        fields = ", ".join(registry.get(name).params.model_fields) or "none"
        raise ImageError(
            f"{path}: the {name!r} writer does not accept {params} ({problems}). Its "
            f"parameters: {fields}."
        ) from None
    return writer


def write_image(
    path: str | Path,
    array: npt.ArrayLike,
    channel_names: list[str] | None = None,
    pixel_sizes: PixelSizes | None = None,
    writer: WriterSpec = None,
    *,
    overwrite: bool = False,
    **params: object,
) -> Path:
    """Write a (T, C, Z, Y, X) array (or (C, Z, Y, X), (C, Y, X), (Y, X)) atomically.

    ``writer`` is a writer name, object or spec, or ``None`` to choose by ``path``'s suffix;
    ``params`` are the writer's parameters (``chunk=256, pyramid=2``...). An existing ``path``
    that is not an earlier image is replaced only with ``overwrite`` (see :func:`get_writer`).
    """
    data = np.asarray(array)
    if not 2 <= data.ndim <= 5:
        raise ImageError(
            f"{path}: cannot write a {data.ndim}-D array; give (T, C, Z, Y, X), (C, Z, Y, X), "
            "(C, Y, X) or (Y, X)."
        )
    if data.ndim == 3:
        data = data[:, None]  # (C, Y, X) -> (C, 1, Y, X)
    data = data.reshape((1,) * (5 - data.ndim) + data.shape)
    chosen = get_writer(path, writer, **params).with_overwrite(overwrite)
    chosen.write(Path(path), data, channel_names=channel_names, pixel_sizes=pixel_sizes)
    return Path(path)


def convert_image(
    source: str | Path | Image,
    destination: str | Path,
    *,
    reader: str | None = None,
    writer: WriterSpec = None,
    band_rows: int = 1024,
    overwrite: bool = False,
    **params: object,
) -> Path:
    """Copy an image into another format, keeping channel names and pixel sizes.

    Reads and writes bands of ``band_rows`` rows per (t, c, z) plane, so memory stays bounded
    by one band whatever the image size. ``params`` go to the writer (``chunk``, ``pyramid``).
    An existing ``destination`` that is not an earlier image is replaced only with
    ``overwrite`` (see :func:`get_writer`).
    """
    image = source if isinstance(source, Image) else open_image(source, reader)
    chosen = get_writer(destination, writer, **params).with_overwrite(overwrite)
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
