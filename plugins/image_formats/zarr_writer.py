"""OME-Zarr writer: NGFF 0.4 (zarr v2) or 0.5 (zarr v3), chunked, compressed, multiscale.

References: https://ngff.openmicroscopy.org/0.4/, https://ngff.openmicroscopy.org/0.5/. The
NGFF attributes (axes with units, ``scale`` transforms per level, ``omero`` channel labels)
come from bioio-ome-zarr's ``OMEZarrWriter.preview_metadata`` so that they match what bioio
and napari read; the arrays are created and filled with zarr-python so that any region can be
written in any order. Pyramid level ``k`` halves level ``k-1`` in Y and X by 2×2 means (edge
rows and columns replicated for odd sizes), computed when the output is complete. The t axis
has unit ``second`` and the time increment as its scale when it is known. Each channel's
``omero`` display window spans the 0.1–99.9 percentiles of what was written
(:mod:`~i2i_plugins.image_formats.display`), set when the output is complete.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2i.image import Region
from i2i_plugins.image_formats.display import DisplayRange
from i2i_plugins.image_formats.sink import RegionSink, SinkWriter

_AXES = ["t", "c", "z", "y", "x"]
_AXIS_TYPES = ["time", "channel", "space", "space", "space"]


class OmeZarrSink(RegionSink):
    """Level 0 receives the regions; the pyramid is built from it when the image is complete."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._levels: list[Any] = []
        self._root: Any = None
        self._display = DisplayRange(self.shape)

    def needed_bytes(self) -> int:
        """The uncompressed size of every level (compression usually needs less)."""
        return sum(int(np.prod(s)) for s in self.level_shapes()) * self.dtype.itemsize

    def level_shapes(self) -> list[tuple[int, ...]]:
        t, c, z, y, x = self.shape
        shapes: list[tuple[int, ...]] = [self.shape]
        for _ in range(self.params.pyramid):
            y, x = (y + 1) // 2, (x + 1) // 2
            shapes.append((t, c, z, y, x))
        return shapes

    def _create(self) -> None:
        import zarr

        root = zarr.open_group(str(self.temporary), mode="w", zarr_format=self.params.zarr_format)
        for level, shape in enumerate(self.level_shapes()):
            self._levels.append(self._create_array(root, str(level), shape))
        root.attrs.update(self._metadata())
        self._root = root

    def _create_array(self, root: Any, name: str, shape: tuple[int, ...]) -> Any:
        edge = self.params.chunk
        chunks = (1, 1, 1, min(edge, shape[3]), min(edge, shape[4]))
        options: dict[str, Any] = {"fill_value": 0}
        if self.params.zarr_format == 3:
            options["dimension_names"] = _AXES
            options["chunk_key_encoding"] = {"name": "default", "separator": "/"}
        else:
            options["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
        return root.create_array(
            name,
            shape=shape,
            chunks=chunks,
            dtype=self.dtype,
            compressors=self._compressors(),
            **options,
        )

    def _compressors(self) -> Any:
        name = self.params.compression
        if name == "none":
            return None
        if self.params.zarr_format == 2:
            from numcodecs import Blosc

            return Blosc(cname=name, clevel=self.params.compression_level, shuffle=Blosc.SHUFFLE)
        from zarr.codecs import BloscCodec

        return BloscCodec(cname=name, clevel=self.params.compression_level, shuffle="shuffle")

    def _metadata(self) -> dict[str, Any]:
        from bioio_ome_zarr.writers import Channel, OMEZarrWriter

        sizes = self.pixel_sizes
        scale = [sizes.t or 1.0, 1.0] + [
            v if v is not None else 1.0 for v in (sizes.z, sizes.y, sizes.x)
        ]
        units = ["second" if sizes.t is not None else None, None] + [
            "micrometer" if v is not None else None for v in sizes.as_dict().values()
        ]
        window = _display_window(self.dtype)
        layout = OMEZarrWriter(
            str(self.temporary),
            self.level_shapes(),
            self.dtype,
            zarr_format=self.params.zarr_format,
            image_name=self.path.name.split(".")[0],
            channels=[Channel(label=n, color="FFFFFF", window=window) for n in self.channel_names],
            axes_names=_AXES,
            axes_types=_AXIS_TYPES,
            axes_units=units,
            physical_pixel_size=scale,
        )
        metadata = layout.preview_metadata()
        multiscale = metadata.get("ome", metadata)["multiscales"][0]
        for level, dataset in enumerate(multiscale["datasets"]):  # exact factors of 2
            factor = 2.0**level
            dataset["coordinateTransformations"] = [
                {"type": "scale", "scale": [*scale[:3], scale[3] * factor, scale[4] * factor]}
            ]
        return dict(metadata)

    def _store(self, region: Region, block: np.ndarray) -> None:
        self._levels[0][region] = block
        self._display.add(region, block)

    def _finish(self) -> None:
        for source, target in zip(self._levels, self._levels[1:], strict=False):
            _downsample_level(source, target, self.params.chunk)
        self._set_display_windows()

    def _discard(self) -> None:
        """Wait for zarr's chunk writes still running (one failed, e.g. on a full disk), then
        delete the output, so that no late chunk lands in a deleted folder."""
        _drain_zarr_tasks()
        super()._discard()

    def _set_display_windows(self) -> None:
        """Each channel's window from the data written (in place of the dtype's range)."""
        attributes = dict(self._root.attrs)
        image = attributes.get("ome", attributes)
        for channel, window in zip(
            image["omero"]["channels"], self._display.windows(self.dtype), strict=True
        ):
            channel["window"] = window
        self._root.attrs.update(attributes)


def _drain_zarr_tasks() -> None:
    """Let every task on zarr's event loop finish and collect its outcome.

    A region write runs one task per chunk (``asyncio.gather``); when one fails, the others keep
    running and would report "Task exception was never retrieved" when the process exits.
    """
    import asyncio

    from zarr.core.sync import sync

    async def drain() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.gather(*tasks, return_exceptions=True)

    sync(drain())


def _display_window(dtype: np.dtype[Any]) -> dict[str, int]:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return {"min": int(info.min), "max": int(info.max), "start": 0, "end": int(info.max)}
    return {"min": 0, "max": 1, "start": 0, "end": 1}


def _downsample_level(source: Any, target: Any, band: int) -> None:
    """Fill ``target`` with 2×2 means of ``source``, one band of rows per (t, c, z) plane."""
    size_t, size_c, size_z, rows, _ = target.shape
    for t in range(size_t):
        for c in range(size_c):
            for z in range(size_z):
                for start in range(0, rows, band):
                    stop = min(start + band, rows)
                    block = source[t, c, z, 2 * start : 2 * stop]  # (2·rows, X)
                    target[t, c, z, start:stop] = _half(block, target.dtype)


def _half(block: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """(Y, X) -> (ceil(Y/2), ceil(X/2)) by 2×2 means, cast back to ``dtype`` (rounded)."""
    rows, cols = block.shape
    padded = np.pad(block, ((0, rows % 2), (0, cols % 2)), mode="edge").astype(np.float32)
    means = padded.reshape((rows + 1) // 2, 2, (cols + 1) // 2, 2).mean(axis=(1, 3))
    if np.issubdtype(dtype, np.integer):
        means = np.rint(means)
    return means.astype(dtype)


class OmeZarrWriter(SinkWriter):
    """Writes (T, C, Z, Y, X) images as OME-Zarr folders."""

    suffixes = (".ome.zarr", ".zarr")

    sink_class = OmeZarrSink
