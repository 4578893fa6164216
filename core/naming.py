"""Names i2i writes and reads back: image stems, and the names of derived channels.

Used wherever i2i pairs files or channels by name: batch prediction names its outputs after the
inputs and evaluation pairs predictions with targets, so both must agree on what a name's stem
is and which channels are a prediction's spread rather than a prediction.
"""

from __future__ import annotations

from pathlib import Path

COMPOUND_SUFFIXES = (".ome.tiff", ".ome.tif", ".ome.zarr")
TTA_STD_SUFFIX = "_tta_std"
"""Suffix of the output channels holding the TTA standard deviation of a predicted channel."""


def image_stem(path: str | Path) -> str:
    """The name without its image suffix (``a.ome.tiff`` → ``a``, ``b.png`` → ``b``)."""
    path = Path(path)
    lowered = path.name.lower()
    for suffix in COMPOUND_SUFFIXES:
        if lowered.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem
