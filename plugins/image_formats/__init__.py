"""Image readers and writers: OME-TIFF, TIFF, OME-Zarr, PNG and any format bioio reads.

Readers: ``ome_tiff``, ``tiff``, ``ome_zarr``, ``png`` (direct, lazy region reads) and
``bioio`` (any installed bioio plugin: CZI, ND2, LIF...). Writers: ``ome_zarr`` (NGFF 0.4/0.5,
chunked, compressed, optional pyramid) and ``ome_tiff`` (OME-XML, tiled). Nothing heavy is
imported here: tifffile, zarr, bioio and Pillow load when a component is used.
"""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.image_formats.params import OmeTiffWriterParams, OmeZarrWriterParams, ReaderParams

__all__ = ["OmeTiffWriterParams", "OmeZarrWriterParams", "ReaderParams", "i2i_register"]

_READERS = "i2i_plugins.image_formats.readers"


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    readers = [
        ("ome_tiff", "OmeTiffReader", "OME-TIFF with OME-XML channel names and pixel sizes."),
        ("tiff", "TiffReader", "Any TIFF/BigTIFF, read strip by strip or tile by tile."),
        ("ome_zarr", "OmeZarrReader", "OME-Zarr folders, NGFF 0.4 (zarr v2) and 0.5 (zarr v3)."),
        ("png", "PngReader", "8- and 16-bit PNG (grayscale or RGB)."),
        ("bioio", "BioioReader", "Any format an installed bioio plugin reads (CZI, ND2, LIF...)."),
    ]
    for name, attribute, description in readers:
        registries.readers.add(
            name,
            params=ReaderParams,
            factory=f"{_READERS}:{attribute}",
            description=description,
            example={},
        )
    registries.writers.add(
        "ome_zarr",
        params=OmeZarrWriterParams,
        factory="i2i_plugins.image_formats.zarr_writer:OmeZarrWriter",
        description="OME-Zarr (NGFF 0.4/0.5): chunked, compressed, optional pyramid.",
        example={"chunk": 64, "pyramid": 1},
    )
    registries.writers.add(
        "ome_tiff",
        params=OmeTiffWriterParams,
        factory="i2i_plugins.image_formats.tiff_writer:OmeTiffWriter",
        description="OME-TIFF with OME-XML channel names and physical pixel sizes.",
        example={"chunk": 64},
    )
