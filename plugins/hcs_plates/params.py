"""Parameters of the ``hcs_plate`` dataset layout."""

from __future__ import annotations

from pydantic import Field

from i2i.data.params import DatasetParams


class PlateDatasetParams(DatasetParams):
    """A plate (or a folder of plates): inputs and targets are channels chosen by name."""

    root: str = Field(description="An HCS OME-Zarr plate, or a folder holding plates.")
    inputs: list[str] = Field(
        min_length=1, description="Input channel names (stacked in this order), e.g. [BF]."
    )
    targets: list[str] = Field(
        min_length=1, description="Target channel names, in model output order, e.g. [DNA]."
    )
    wells: list[str] | None = Field(
        None, description="Use only these wells ('B/03'); null: every well of every plate."
    )
    conditions: str | None = Field(
        None,
        description=(
            "CSV mapping wells to conditions (columns 'well' and 'condition', optionally "
            "'plate'); the condition becomes the grouping key 'condition' (stratify_by)."
        ),
    )
