"""OME-TIFF writer on tifffile: OME-XML with channel names, PhysicalSize{X,Y,Z} in µm and
TimeIncrement in s.

Reference: https://docs.openmicroscopy.org/ome-model/latest/ome-tiff/. Planes larger than one
tile are written as compressed tiles so that later window reads touch only the tiles they
cross; small planes are written in strips. Region writes go to an uncompressed buffer file
beside the output (a numpy memory map, so nothing needs to fit in memory), which is encoded as
OME-TIFF when the image is complete and then deleted. The buffer's disk blocks are allocated
when it is created (:func:`~i2i_plugins.image_formats.space.reserve`): writing to a mapped page
of a sparse file on a full disk would kill the process with SIGBUS instead of raising an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from i2i.atomic import atomic_output, remove, temporary_sibling
from i2i.image import PixelSizes, Region
from i2i_plugins.image_formats.sink import RegionSink, SinkWriter
from i2i_plugins.image_formats.space import disk_errors, reserve, too_large_as_efbig

BIGTIFF_BYTES = 2**31
"""Above this many pixel bytes the file is written as BigTIFF (64-bit offsets)."""


def write_ome_tiff(
    path: Path,
    array: np.ndarray,
    channel_names: list[str],
    pixel_sizes: PixelSizes,
    params: Any,
) -> None:
    """Encode a (T, C, Z, Y, X) array as an OME-TIFF at ``path`` (not atomic by itself)."""
    import tifffile

    metadata: dict[str, Any] = {"axes": "TCZYX", "Channel": {"Name": list(channel_names)}}
    for axis, size in zip("ZYX", (pixel_sizes.z, pixel_sizes.y, pixel_sizes.x), strict=True):
        if size is not None:
            metadata[f"PhysicalSize{axis}"] = float(size)
            metadata[f"PhysicalSize{axis}Unit"] = "µm"
    if pixel_sizes.t is not None:
        metadata["TimeIncrement"] = float(pixel_sizes.t)
        metadata["TimeIncrementUnit"] = "s"
    rows, cols = array.shape[-2:]
    edge = params.chunk
    tiled = rows > edge or cols > edge
    tifffile.imwrite(
        path,
        array,
        ome=True,
        photometric="minisblack",
        metadata=metadata,
        compression=None if params.compression == "none" else params.compression,
        tile=(edge, edge) if tiled else None,
        bigtiff=array.nbytes > BIGTIFF_BYTES,
    )


class OmeTiffSink(RegionSink):
    """Regions land in a memory-mapped buffer; the OME-TIFF is encoded from it at the end."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.buffer_path = temporary_sibling(self.path, "buffer")
        self._buffer: np.memmap[Any, Any] | None = None

    def needed_bytes(self) -> int:
        """The uncompressed buffer plus, at most, the same again for the encoded file."""
        return 2 * super().needed_bytes()

    def _create(self) -> None:
        with too_large_as_efbig():
            self._buffer = np.lib.format.open_memmap(
                self.buffer_path, mode="w+", dtype=self.dtype, shape=self.shape
            )
            reserve(self.buffer_path, self.buffer_path.stat().st_size)

    def _store(self, region: Region, block: np.ndarray) -> None:
        assert self._buffer is not None, "write_region is used inside the 'with' block"
        self._buffer[region] = block

    def _finish(self) -> None:
        assert self._buffer is not None
        try:
            write_ome_tiff(
                self.temporary, self._buffer, self.channel_names, self.pixel_sizes, self.params
            )
        finally:
            self._release_buffer()

    def _discard(self) -> None:
        self._release_buffer()
        super()._discard()

    def _release_buffer(self) -> None:
        self._buffer = None
        remove(self.buffer_path)


class OmeTiffWriter(SinkWriter):
    """Writes (T, C, Z, Y, X) images as OME-TIFF files."""

    suffixes = (".ome.tif", ".ome.tiff", ".tif", ".tiff")

    sink_class = OmeTiffSink

    def write(
        self,
        path: str | Path,
        array: np.ndarray,
        *,
        channel_names: list[str] | None = None,
        pixel_sizes: PixelSizes | None = None,
    ) -> Path:
        """Write a whole (T, C, Z, Y, X) array (validated like a region write), encoded at once."""
        sink = OmeTiffSink(
            Path(path), array.shape, array.dtype, channel_names, pixel_sizes, self.params
        )
        with disk_errors(sink.path, array.nbytes), atomic_output(sink.path) as temporary:
            write_ome_tiff(temporary, array, sink.channel_names, sink.pixel_sizes, self.params)
        return sink.path
