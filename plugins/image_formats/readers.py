"""The reader components: cheap content checks (``can_read``) and lazy ``open``.

``priority`` orders automatic choice in :func:`i2i.io.open_image` (higher first): the
format-specific readers come before the generic ``bioio`` reader, and ``ome_tiff`` before
``tiff`` so that OME metadata is used whenever a TIFF has it. The ``bioio`` reader's
``install_hints`` name the bioio plugin to install for each vendor format; i2i shows them when
no installed reader reads a file.
"""

from __future__ import annotations

from pathlib import Path

from i2i.image import Image, InstallHint
from i2i_plugins.image_formats.params import ReaderParams

BIOIO_PLUGINS = (
    InstallHint("bioio-czi", (".czi",)),
    InstallHint("bioio-nd2", (".nd2",)),
    InstallHint("bioio-lif", (".lif",)),
    InstallHint("bioio-dv", (".dv", ".r3d")),
    InstallHint("bioio-sldy", (".sldy",)),
    InstallHint("bioio-imaris", (".ims",)),
    InstallHint("bioio-tifffile", (".tif", ".tiff")),
    InstallHint("bioio-ome-zarr", (".zarr",)),
    InstallHint("bioio-imageio", (".png", ".jpg")),
    InstallHint("bioio-bioformats", note="needs Java"),
)
"""The bioio plugin that reads each vendor format; bioio-bioformats reads most others."""


class _Reader:
    name = ""
    priority = 0
    suffixes: tuple[str, ...] = ()
    install_hints: tuple[InstallHint, ...] = ()

    def __init__(self, params: ReaderParams | None = None):
        self.params = params

    def __repr__(self) -> str:
        return f"<reader {self.name}>"


class OmeTiffReader(_Reader):
    """TIFF files with OME-XML (Bio-Formats, tifffile, OME tools)."""

    name = "ome_tiff"
    priority = 30
    suffixes = (".ome.tif", ".ome.tiff", ".tif", ".tiff")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.image_formats.tiff_reader import is_ome_tiff

        return is_ome_tiff(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.image_formats.tiff_reader import open_tiff

        return open_tiff(Path(path), ome=True)


class TiffReader(_Reader):
    """Any TIFF or BigTIFF (ImageJ hyperstacks, microscope exports, plain planes)."""

    name = "tiff"
    priority = 20
    suffixes = (".tif", ".tiff")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.image_formats.tiff_reader import is_tiff

        return is_tiff(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.image_formats.tiff_reader import open_tiff

        return open_tiff(Path(path), ome=False)


class OmeZarrReader(_Reader):
    """OME-Zarr folders (NGFF 0.4 on zarr v2, NGFF 0.5 on zarr v3)."""

    name = "ome_zarr"
    priority = 30
    suffixes = (".ome.zarr", ".zarr")

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.image_formats.zarr_reader import is_ome_zarr

        return is_ome_zarr(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.image_formats.zarr_reader import open_ome_zarr

        return open_ome_zarr(Path(path))


class PngReader(_Reader):
    """PNG files, 8- or 16-bit, grayscale or RGB(A)."""

    name = "png"
    priority = 20
    suffixes = (".png",)

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.image_formats.png_reader import is_png

        return is_png(Path(path))

    def open(self, path: Path) -> Image:
        from i2i_plugins.image_formats.png_reader import open_png

        return open_png(Path(path))


class BioioReader(_Reader):
    """Whatever an installed bioio plugin reads (CZI, ND2, LIF... once that plugin is in)."""

    name = "bioio"
    priority = -10
    suffixes = ()
    install_hints = BIOIO_PLUGINS

    def can_read(self, path: Path) -> bool:
        from i2i_plugins.image_formats.bioio_reader import bioio_plugin_for

        return bioio_plugin_for(Path(path)) is not None

    def open(self, path: Path) -> Image:
        from i2i_plugins.image_formats.bioio_reader import open_bioio

        return open_bioio(Path(path))
