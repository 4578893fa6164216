"""PNG reader (8- and 16-bit grayscale, RGB, RGBA) on Pillow.

Opening reads the header only (size and mode). PNG is one deflate stream, so the first region
read decodes the whole plane once; later reads slice the decoded plane. PNG records no
microscope pixel size (``pHYs`` is in pixels per metre for printing), so sizes are unknown.

The plane size comes from the ``IHDR`` chunk and is checked against i2i's limits
(:mod:`~i2i_plugins.image_formats.limits`, ``I2I_MAX_DECODED_PIXELS``) before Pillow decodes
anything; Pillow's own decompression-bomb check (at about 179 million pixels, a 13 000² plane)
is replaced by that limit, so real large PNGs open and hostile headers are refused by name.
"""

from __future__ import annotations

import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from i2i.image import ArrayImage, ImageError, PixelSizes
from i2i_plugins.image_formats.axes import axes_image
from i2i_plugins.image_formats.limits import (
    MAX_DECODED_PIXELS,
    check_decoded_pixels,
    check_pixels,
    pixel_limit,
)

if TYPE_CHECKING:
    from PIL.Image import Image as PILImageType

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

_MODES: dict[str, tuple[str, list[str] | None]] = {
    "L": ("uint8", None),
    "I;16": ("uint16", None),
    "I;16B": ("uint16", None),
    "I;16L": ("uint16", None),
    "I": ("int32", None),
    "LA": ("uint8", ["L", "A"]),
    "RGB": ("uint8", ["R", "G", "B"]),
    "RGBA": ("uint8", ["R", "G", "B", "A"]),
}
"""Pillow mode -> stored dtype and sample names (``None``: one grayscale channel)."""


_PILLOW_LIMIT = threading.Lock()


def header_size(path: Path) -> tuple[int, int]:
    """(height, width) from the ``IHDR`` chunk, which the PNG specification puts first."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        raise ImageError(f"{path}: not a readable PNG (no IHDR header); the file is corrupt.")
    width, height = struct.unpack(">II", head[16:24])
    return height, width


@contextmanager
def pillow_open(path: Path) -> Iterator[PILImageType]:
    """``PIL.Image.open(path)`` with i2i's decoded-pixel limit in place of Pillow's own."""
    from PIL import Image as PILImage

    limit = pixel_limit("I2I_MAX_DECODED_PIXELS", MAX_DECODED_PIXELS)
    with _PILLOW_LIMIT, warnings.catch_warnings():
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        previous, PILImage.MAX_IMAGE_PIXELS = PILImage.MAX_IMAGE_PIXELS, limit
        try:
            with PILImage.open(path) as picture:
                yield picture
        finally:
            PILImage.MAX_IMAGE_PIXELS = previous


def is_png(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(8) == PNG_MAGIC


class _DecodedOnDemand:
    """Shape and dtype from the header; pixels decoded on the first slice."""

    def __init__(self, path: Path, mode: str, size: tuple[int, int]):
        self.path = path
        self.mode = mode
        dtype, samples = _MODES.get(mode, ("uint8", ["R", "G", "B", "A"]))
        self.dtype = np.dtype(dtype)
        width, height = size
        self.samples = samples
        self.shape = (height, width) if samples is None else (height, width, len(samples))
        self._pixels: np.ndarray | None = None

    def __getitem__(self, key: Any) -> np.ndarray:
        if self._pixels is None:
            self._pixels = self._decode()
        return self._pixels[key]

    def _decode(self) -> np.ndarray:
        from PIL import Image as PILImage

        try:
            with pillow_open(self.path) as picture:
                if self.mode not in _MODES:  # palette, 1-bit...: as RGBA
                    picture = picture.convert("RGBA")
                pixels = np.asarray(picture).astype(self.dtype, copy=False)
        except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as exc:
            raise ImageError(
                f"{self.path}: the PNG data cannot be decoded ({exc}); the file is truncated "
                "or corrupt."
            ) from exc
        if pixels.shape != self.shape:
            raise ImageError(
                f"{self.path}: decoded to shape {pixels.shape}, but its header says "
                f"{self.shape}; the file is corrupt."
            )
        return pixels


def open_png(path: Path) -> ArrayImage:
    """A PNG as a (1, C, 1, Y, X) image, decoded on the first read."""
    from PIL import Image as PILImage

    height, width = header_size(path)
    check_pixels(path, (height, width))
    check_decoded_pixels(path, (height, width))
    try:
        with pillow_open(path) as picture:
            mode, size = picture.mode, picture.size
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as exc:
        raise ImageError(f"{path}: not a readable PNG ({exc}); the file is corrupt.") from exc
    array = _DecodedOnDemand(path, mode, size)
    axes = "YX" if array.samples is None else "YXS"
    return axes_image(path, "png", array, axes, array.samples, PixelSizes())
