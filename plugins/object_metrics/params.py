"""Parameters of the object-level evaluation: segmentation, matching and measurements."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i

FeatureGroup = Literal["intensity", "texture", "granularity", "radial_distribution"]
"""Groups of cp-measure features measured in both stains on the real objects."""


class SegmentationParams(i2i.Params):
    """The classical nucleus segmentation applied the same way to the real and predicted stain."""

    smoothing_sigma: float = Field(
        2.0, ge=0, description="Gaussian smoothing (pixels) before thresholding; 0: none."
    )
    threshold: Literal["otsu", "local"] = Field(
        "otsu",
        description=(
            "'otsu': one Otsu threshold for the field; 'local': a Gaussian-weighted local "
            "threshold over local_block_size (uneven illumination)."
        ),
    )
    local_block_size: int = Field(
        101, ge=3, description="Window (pixels, odd) of the local threshold."
    )
    local_offset: float = Field(
        0.05,
        ge=0,
        description=(
            "With 'local': a pixel is foreground when it exceeds its local weighted mean by "
            "this much (stain scaled to 0-1), so flat background is not split into specks."
        ),
    )
    min_size: int = Field(
        30, ge=0, description="Objects (and holes) smaller than this many pixels are removed."
    )
    min_distance: int = Field(
        5,
        ge=1,
        description=(
            "Smallest distance (pixels) between two object centres: the watershed seeds are the "
            "distance-transform maxima at least this far apart."
        ),
    )


class ObjectParams(i2i.Params):
    """What the object-level evaluation segments, matches and measures."""

    segmentation: SegmentationParams = Field(default_factory=SegmentationParams)
    iou_threshold: float = Field(
        0.5, gt=0, le=1, description="A matched pair counts as a detection from this IoU on."
    )
    features: list[FeatureGroup] = Field(
        default_factory=lambda: ["intensity", "texture", "granularity"],
        description="cp-measure feature groups measured in both stains (shape is always compared).",
    )
    percentiles: tuple[float, float] = Field(
        (2.0, 99.8),
        description=(
            "Both stains are scaled from these percentiles to 0-1 (clipped, CellProfiler's "
            "intensity range) before segmentation and measurement."
        ),
    )
    worst: int = Field(5, ge=1, description="How many worst-agreeing features the report lists.")
