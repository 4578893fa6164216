"""The parameters of the image readers and writers (validated ``Params`` models)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i


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
