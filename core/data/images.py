"""Open image handles, cached per process, and plane reads through :func:`i2i.image.open_image`.

Each data-loader worker keeps its own handles (a forked worker starts with an empty cache), so
a field's file is parsed once per worker and later reads only fetch the needed plane region.
A plane region with NaN or infinite pixels is a :class:`~i2i.data.errors.DataError` naming the
file: one such pixel in a sample makes the loss NaN and the weights with it.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i2i.data.errors import DataError
from i2i.data.records import PlaneRef
from i2i.image import Image
from i2i.io import open_image
from i2i.normalization import count_non_finite

if TYPE_CHECKING:
    import numpy as np


class ImageCache:
    """Up to ``capacity`` open images, least recently used closed first."""

    def __init__(self, reader: str | None = None, capacity: int = 64):
        self.reader = reader
        self.capacity = capacity
        self._images: OrderedDict[Path, Image] = OrderedDict()
        self._pid = os.getpid()

    def open(self, path: Path) -> Image:
        if self._pid != os.getpid():
            self._images.clear()
            self._pid = os.getpid()
        image = self._images.pop(path, None) or open_image(path, reader=self.reader)
        self._images[path] = image
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)
        return image

    def read(self, ref: PlaneRef, y: slice | None = None, x: slice | None = None) -> np.ndarray:
        """The (h, w) plane region of ``ref``; non-finite pixels are an error naming the file."""
        plane = self.open(ref.path).read(channel=ref.channel, z=ref.z, y=y, x=x)[0, 0, 0]
        bad = count_non_finite(plane)
        if bad:
            where = "" if y is None and x is None else f", rows {_span(y)}, columns {_span(x)}"
            raise DataError(
                f"{ref.path}: channel {ref.channel!r}, z={ref.z}{where} has {bad} NaN or infinite "
                "pixel(s); training on it would make the loss NaN. Replace them in the file "
                "(e.g. with numpy.nan_to_num) or leave this field out of the dataset."
            )
        return plane

    def plane_shape(self, ref: PlaneRef) -> tuple[int, int]:
        """(height, width) of the plane."""
        shape = self.open(ref.path).shape
        return shape[3], shape[4]

    def __getstate__(self) -> dict[str, Any]:
        return {"reader": self.reader, "capacity": self.capacity}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["reader"], state["capacity"])  # type: ignore[misc]


def _span(index: slice | None) -> str:
    return "all" if index is None else f"{index.start}:{index.stop}"
