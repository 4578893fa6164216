"""The data pipeline: field index records, layouts, splits, tiling, balance, data loaders.

Importing this package is cheap (no torch); :class:`FieldDataset` and the loaders import torch
when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from i2i.data.balance import balance_weights
from i2i.data.build import build_layout
from i2i.data.errors import DataError
from i2i.data.layout import Layout
from i2i.data.loaders import DataLoaders, build_dataloaders, collate_samples
from i2i.data.params import DatasetParams, TilingParams
from i2i.data.records import FieldRecord, InputPlane, PlaneRef
from i2i.data.selection import SampleRef, select_planes
from i2i.data.splits import make_split, read_split, write_split
from i2i.data.tiling import keep_tiles, tile_grid

if TYPE_CHECKING:
    from i2i.data.dataset import FieldDataset

__all__ = [
    "DataError",
    "DataLoaders",
    "DatasetParams",
    "FieldDataset",
    "FieldRecord",
    "InputPlane",
    "Layout",
    "PlaneRef",
    "SampleRef",
    "TilingParams",
    "balance_weights",
    "build_dataloaders",
    "build_layout",
    "collate_samples",
    "keep_tiles",
    "make_split",
    "read_split",
    "select_planes",
    "tile_grid",
    "write_split",
]


def __getattr__(name: str) -> Any:
    if name == "FieldDataset":  # imports torch
        from i2i.data.dataset import FieldDataset

        return FieldDataset
    raise AttributeError(f"module 'i2i.data' has no attribute {name!r}")
