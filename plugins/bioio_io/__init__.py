"""Image readers and writers: OME-TIFF, TIFF, OME-Zarr, PNG and any format bioio reads.

Readers: ``ome_tiff``, ``tiff``, ``ome_zarr``, ``png`` (direct, lazy region reads) and
``bioio`` (any installed bioio plugin: CZI, ND2, LIF...). Writers: ``ome_zarr`` (NGFF 0.4/0.5,
chunked, compressed, optional pyramid) and ``ome_tiff`` (OME-XML, tiled). Nothing heavy is
imported here: tifffile, zarr, bioio and Pillow load when a component is used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i
from i2i.registry import Registries

_READERS = "i2i_plugins.bioio_io.readers"


class ReaderParams(i2i.Params):
    """Readers take no parameters: everything comes from the file."""


class OmeZarrWriterParams(i2i.Params):
    chunk: int = Field(
        512, ge=16, description="Y/X edge of a chunk in pixels; a chunk holds one t, c and z."
    )
    pyramid: int = Field(
        0, ge=0, le=12, description="Extra resolution levels, each halving Y and X (0: none)."
    )
    zarr_format: Literal[2, 3] = Field(
        2, description="2 writes NGFF 0.4 (read by most tools today), 3 writes NGFF 0.5."
    )
    compression: Literal["zstd", "lz4", "zlib", "none"] = Field(
        "zstd", description="Blosc compressor of the chunks ('none' stores them raw)."
    )
    compression_level: int = Field(
        3, ge=1, le=9, description="Compression level (1 fast, 9 small)."
    )


class OmeTiffWriterParams(i2i.Params):
    chunk: int = Field(
        256,
        ge=16,
        multiple_of=16,
        description="Tile edge in pixels; planes no larger than one tile are written in strips.",
    )
    compression: Literal["zlib", "zstd", "lzw", "none"] = Field(
        "zlib", description="Compression of tiles/strips; zlib (deflate) opens everywhere."
    )


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
        factory="i2i_plugins.bioio_io.zarr_writer:OmeZarrWriter",
        description="OME-Zarr (NGFF 0.4/0.5): chunked, compressed, optional pyramid.",
        example={"chunk": 64, "pyramid": 1},
    )
    registries.writers.add(
        "ome_tiff",
        params=OmeTiffWriterParams,
        factory="i2i_plugins.bioio_io.tiff_writer:OmeTiffWriter",
        description="OME-TIFF with OME-XML channel names and physical pixel sizes.",
        example={"chunk": 64},
    )
