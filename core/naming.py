"""Image file names: the stem of an image file without its (possibly compound) suffix.

Used wherever i2i pairs files by name: batch prediction names its outputs after the inputs and
evaluation pairs predictions with targets, so both must agree on what a name's stem is.
"""

from __future__ import annotations

from pathlib import Path

COMPOUND_SUFFIXES = (".ome.tiff", ".ome.tif", ".ome.zarr")


def image_stem(path: str | Path) -> str:
    """The name without its image suffix (``a.ome.tiff`` → ``a``, ``b.png`` → ``b``)."""
    path = Path(path)
    lowered = path.name.lower()
    for suffix in COMPOUND_SUFFIXES:
        if lowered.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem
