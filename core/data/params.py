"""Parameters shared by every dataset layout: root, input selection, tiling, resampling, balance.

Each dataset plugin's ``Params`` derives from :class:`DatasetParams` and adds what its layout
needs (which organelles, which modalities, a table path, a file-name pattern...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from i2i.registry import Params

ZSelection = Literal["each", "middle", "all"] | list[int]


class TilingParams(Params):
    """Cut each field into tiles and drop the tiles with too little signal."""

    grid: int | None = Field(
        None, ge=1, description="Cut every field into grid x grid equal tiles (4: 16 tiles)."
    )
    size: int | None = Field(
        None, ge=8, description="Or: tiles of this side (pixels of the resampled field)."
    )
    min_foreground: float = Field(
        0.02,
        ge=0,
        le=1,
        description=(
            "Keep a tile when at least this share of its pixels is foreground (above the "
            "field's Otsu threshold) in one of its present targets; 0 keeps every tile."
        ),
    )

    @model_validator(mode="after")
    def _one_of_grid_or_size(self) -> TilingParams:
        if (self.grid is None) == (self.size is None):
            raise ValueError("give exactly one of 'grid' (tiles per side) or 'size' (tile side)")
        return self


class DatasetParams(Params):
    """What every layout accepts."""

    root: str = Field(description="Folder of the dataset (or of the table's relative paths).")
    z: ZSelection = Field(
        "each",
        description=(
            "Input z-planes: 'each' (every plane is a sample), 'middle' (the middle plane), "
            "'all' (every plane stacked as input channels) or a list of plane indices stacked "
            "as input channels."
        ),
    )
    tiles: TilingParams | None = Field(None, description="Tile fields; null: whole fields.")
    resample_to_um: float | None = Field(
        None, gt=0, description="Resample every field to this pixel size (µm); null: as stored."
    )
    balance: str | None = Field(
        None,
        description=(
            "Oversample training fields so that each 'organelle' (or each value of a grouping "
            "key such as 'study') is drawn equally often; null: uniform."
        ),
    )
    require_target: bool = Field(
        True, description="Drop fields that have none of the selected targets."
    )
    # Each layout narrows and describes its targets (organelles, channels, table columns).
    targets: Sequence[str] = Field(min_length=1, description="Targets to predict, in output order.")
