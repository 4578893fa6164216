"""The pixel type predictions are stored in, and the writer that stores them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from i2i.io import WriterSpec, get_writer
from i2i.output_writer import OutputWriter


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


def output_writer(
    path: Path, given: WriterSpec, default: WriterSpec, overwrite: bool = False
) -> OutputWriter:
    """The writer of a prediction written to ``path``.

    ``given`` (a writer, name or spec passed for this output) wins; else ``default`` (the
    predictor's writer: the recipe's ``predict.writer`` and the command line's writer options)
    when it writes files named like ``path``; else the writer of ``path``'s suffix, with the
    parameters of a ``default`` spec that names no writer.
    """
    chosen = get_writer(path, given if given is not None else default)
    named_default = given is None and default is not None
    named_default = named_default and (not isinstance(default, Mapping) or "name" in default)
    if named_default and not any(path.name.lower().endswith(s.lower()) for s in chosen.suffixes):
        chosen = get_writer(path)
    return chosen.with_overwrite(overwrite)
