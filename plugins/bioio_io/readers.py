"""The reader components: cheap content checks (``can_read``) and lazy ``open``.

``priority`` orders automatic choice in :func:`i2i.image.open_image` (higher first): the
format-specific readers come before the generic ``bioio`` reader, and ``ome_tiff`` before
``tiff`` so that OME metadata is used whenever a TIFF has it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.image import Image


class _Reader:
    name = ""
    priority = 0
    suffixes: tuple[str, ...] = ()

    def __init__(self, params: Any = None):
        self.params = params

    def __repr__(self) -> str:
        return f"<reader {self.name}>"


class OmeTiffReader(_Reader):
    """TIFF files with OME-XML (Bio-Formats, tifffile, OME tools)."""

    name = "ome_tiff"
    priority = 30
    suffixes = (".ome.tif", ".ome.tiff", ".tif", ".tiff")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.bioio_io.tiff_reader import is_ome_tiff

        return is_ome_tiff(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.bioio_io.tiff_reader import open_tiff

        return open_tiff(Path(path), ome=True)


class TiffReader(_Reader):
    """Any TIFF or BigTIFF (ImageJ hyperstacks, microscope exports, plain planes)."""

    name = "tiff"
    priority = 20
    suffixes = (".tif", ".tiff")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.bioio_io.tiff_reader import is_tiff

        return is_tiff(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.bioio_io.tiff_reader import open_tiff

        return open_tiff(Path(path), ome=False)


class OmeZarrReader(_Reader):
    """OME-Zarr folders (NGFF 0.4 on zarr v2, NGFF 0.5 on zarr v3)."""

    name = "ome_zarr"
    priority = 30
    suffixes = (".ome.zarr", ".zarr")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.bioio_io.zarr_reader import is_ome_zarr

        return is_ome_zarr(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.bioio_io.zarr_reader import open_ome_zarr

        return open_ome_zarr(Path(path))


class PngReader(_Reader):
    """PNG files, 8- or 16-bit, grayscale or RGB(A)."""

    name = "png"
    priority = 20
    suffixes = (".png",)

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.bioio_io.png_reader import is_png

        return is_png(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.bioio_io.png_reader import open_png

        return open_png(Path(path))


class BioioReader(_Reader):
    """Whatever an installed bioio plugin reads (CZI, ND2, LIF... once that plugin is in)."""

    name = "bioio"
    priority = -10
    suffixes = ()

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.bioio_io.bioio_reader import bioio_plugin_for

        return bioio_plugin_for(Path(path)) is not None

    def open(self, path: Path) -> Image:
        from i2i_plugins.bioio_io.bioio_reader import open_bioio

        return open_bioio(Path(path))
