"""``OutputWriter``: any writer, wrapped in the rules of :mod:`i2i.outputs`.

:func:`i2i.io.get_writer` returns one, so every image output of i2i (``convert``, ``predict``,
``stack``, ``write_image``) follows the same rules, whichever plugin writes the format:

1. an existing output is replaced only when an installed reader recognises it as an image (an
   earlier output), or it is empty, or ``overwrite`` is given
   (:func:`i2i.outputs.check_replaceable`);
2. leftover temporaries of an earlier write of the same output whose process is gone are removed
   first, with a :class:`~i2i.atomic.StaleTemporaryWarning` (:mod:`i2i.atomic`);
3. an OS error about the output (unwritable folder, a file where a folder should be, a full
   disk) is one :class:`~i2i.outputs.OutputError` naming the path and the cause.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import numpy.typing as npt

from i2i.atomic import remove_stale_temporaries, report_removed
from i2i.image import PixelSizes, Sink, Writer
from i2i.outputs import check_replaceable, output_errors


def is_earlier_image(path: Path, writer: Writer) -> bool:
    """Whether an installed reader recognises ``path`` as an image the writer could have made.

    Readers that declare suffixes count only when one of them is among the writer's (an
    OME-Zarr reader for an OME-Zarr writer); readers that declare none count by content alone.
    """
    from i2i.plugins import get_registries

    written = {s.lower() for s in getattr(writer, "suffixes", ())}
    for component in get_registries().readers:
        reader = component.build()
        claimed = {s.lower() for s in getattr(reader, "suffixes", ())}
        if claimed and written and not claimed & written:
            continue
        if reader.can_read(path):
            return True
    return False


class OutputWriter:
    """``writer`` whose ``open`` and ``write`` follow the output rules (see the module)."""

    def __init__(self, writer: Writer, overwrite: bool = False):
        self.writer = writer
        self.overwrite = overwrite
        self.suffixes: tuple[str, ...] = tuple(getattr(writer, "suffixes", ()))

    def with_overwrite(self, overwrite: bool = True) -> OutputWriter:
        """This writer, replacing whatever is at its outputs when ``overwrite`` is true."""
        return OutputWriter(self.writer, overwrite)

    def __repr__(self) -> str:
        return f"OutputWriter({self.writer!r}, overwrite={self.overwrite})"

    def prepare(self, path: str | Path) -> Path:
        """Check that ``path`` may be written and remove stale temporaries of it."""
        path = Path(path)
        with output_errors(path):
            kind = f"an image an installed reader recognises, {' '.join(self.suffixes) or 'any'}"
            check_replaceable(
                path, kind, lambda p: is_earlier_image(p, self.writer), self.overwrite
            )
            report_removed(path, remove_stale_temporaries(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def open(
        self,
        path: str | Path,
        *,
        shape: tuple[int, ...],
        dtype: npt.DTypeLike,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Sink:
        """The writer's sink for ``path``, after the checks; OS errors become OutputErrors."""
        path = self.prepare(path)
        with output_errors(path):
            sink = self.writer.open(
                path, shape=shape, dtype=dtype, channel_names=channel_names, pixel_sizes=pixel_sizes
            )
        return _OutputSink(sink, path)

    def write(
        self,
        path: str | Path,
        array: npt.NDArray[Any],
        *,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Path:
        """Write a whole (T, C, Z, Y, X) array to ``path``, after the checks."""
        path = self.prepare(path)
        with output_errors(path):
            return self.writer.write(
                path, array, channel_names=channel_names, pixel_sizes=pixel_sizes
            )


class _OutputSink:
    """A writer's sink whose OS errors about its output become :class:`OutputError`."""

    def __init__(self, sink: Sink, path: Path):
        self.sink = sink
        self.entered: Sink = sink
        self.path = path

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
        """Store a (T, C, Z, Y, X) block (see :class:`~i2i.image.Sink`)."""
        with output_errors(self.path):
            self.entered.write_region(array, t=t, z=z, c=c, y=y, x=x)

    def __enter__(self) -> _OutputSink:
        with output_errors(self.path):
            self.entered = self.sink.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with output_errors(self.path):
            self.sink.__exit__(exc_type, exc, traceback)
