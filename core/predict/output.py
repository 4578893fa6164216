"""Where predictions go: writer choice by file name, and the stored pixel type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from i2i.errors import I2IError


class OutputError(I2IError):
    """An output path cannot be written."""


def writer_for(path: Path) -> Any:
    """The installed writer whose suffixes match ``path`` (``.ome.zarr``, ``.ome.tif`` ...)."""
    from i2i.plugins import get_registries

    name = path.name.lower()
    known: list[str] = []
    for component in get_registries().writers:
        writer = component.build()
        suffixes = [s.lower() for s in writer.suffixes]
        if any(name.endswith(s) for s in suffixes):
            return writer
        known += suffixes
    raise OutputError(
        f"{path}: no installed writer writes files ending like this. Known output suffixes: "
        f"{', '.join(known) or 'none (install a writer plugin)'}. Name the output e.g. "
        "'prediction.ome.zarr' or 'prediction.ome.tif'."
    )


def to_dtype(block: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Prediction values (normalised units) as ``dtype``.

    Floating types keep the values. Integer types map the normalised range linearly so that
    0 stays 0 and 1 (the 99.8th percentile of the training targets) becomes half the type's
    maximum, leaving headroom for brighter pixels; values are rounded and clipped.
    """
    if np.issubdtype(dtype, np.floating):
        return block.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    scaled = np.rint(block * (info.max / 2))
    return np.clip(scaled, max(info.min, 0), info.max).astype(dtype)
