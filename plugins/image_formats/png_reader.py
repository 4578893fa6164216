"""PNG reader (8- and 16-bit grayscale, RGB, RGBA) on Pillow.

Opening reads the header only (size and mode). PNG is one deflate stream, so the first region
read decodes the whole plane once; later reads slice the decoded plane. PNG records no
microscope pixel size (``pHYs`` is in pixels per metre for printing), so sizes are unknown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from i2i.image import ArrayImage, ImageError, PixelSizes
from i2i_plugins.image_formats.axes import axes_image

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
            with PILImage.open(self.path) as picture:
                if self.mode not in _MODES:  # palette, 1-bit...: as RGBA
                    picture = picture.convert("RGBA")
                pixels = np.asarray(picture).astype(self.dtype, copy=False)
        except (OSError, ValueError, SyntaxError) as exc:
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

    try:
        with PILImage.open(path) as picture:
            mode, size = picture.mode, picture.size
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: not a readable PNG ({exc}); the file is corrupt.") from exc
    array = _DecodedOnDemand(path, mode, size)
    axes = "YX" if array.samples is None else "YXS"
    return axes_image(path, "png", array, axes, array.samples, PixelSizes())
