"""Size limits on the images i2i's readers open and its writers create.

A file that nobody here wrote can claim any size in its header (a 60000 × 60000 PNG is 100 bytes
of header and a 7 GB decode; a 10⁷ × 10⁷ Zarr is a few bytes of JSON): refusing such sizes
before anything is allocated gives a message naming the file instead of an out-of-memory kill or
a library error. Both limits are far above real microscopy images and set by environment
variable:

- ``I2I_MAX_PIXELS`` (default 10¹², e.g. a 100 000 × 100 000 slide with 100 channels or
  z-planes): the most pixels (T × C × Z × Y × X) an image may have to be opened or written.
- ``I2I_MAX_DECODED_PIXELS`` (default 10⁹, a 31 623² plane): the most pixels of a plane that a
  reader must decode whole (PNG is one compressed stream), which is what needs memory.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from i2i.image import ImageError

MAX_PIXELS = 10**12
MAX_DECODED_PIXELS = 10**9


def pixel_limit(variable: str = "I2I_MAX_PIXELS", default: int = MAX_PIXELS) -> int:
    """The limit set by environment ``variable`` (a positive integer, ``1e12`` allowed)."""
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return default
    try:
        value = int(float(text))
    except ValueError:
        value = 0
    if value < 1:
        raise ImageError(
            f"{variable}={text!r} is not a positive number of pixels; set it to e.g. 1e12 or "
            "unset it for the default."
        )
    return value


def check_pixels(path: Path, shape: tuple[int, ...], what: str = "image") -> None:
    """Refuse an image of ``shape`` with more pixels than ``I2I_MAX_PIXELS``."""
    _check(path, shape, what, "I2I_MAX_PIXELS", MAX_PIXELS)


def check_decoded_pixels(path: Path, shape: tuple[int, ...]) -> None:
    """Refuse a plane of ``shape`` to decode whole beyond ``I2I_MAX_DECODED_PIXELS``."""
    _check(path, shape, "plane to decode whole", "I2I_MAX_DECODED_PIXELS", MAX_DECODED_PIXELS)


def _check(path: Path, shape: tuple[int, ...], what: str, variable: str, default: int) -> None:
    count = math.prod(int(n) for n in shape)
    limit = pixel_limit(variable, default)
    if count > limit:
        sizes = " × ".join(str(int(n)) for n in shape)
        raise ImageError(
            f"{path}: the {what} is {sizes} = {count:.3g} pixels, more than i2i's limit of "
            f"{limit:.3g} ({variable}). That is far beyond real microscopy images: a corrupt or "
            f"hostile header, or a wrong shape. If the image is real, raise the limit (e.g. "
            f"{variable}={count})."
        )
