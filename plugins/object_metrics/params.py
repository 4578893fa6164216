"""Parameters of the object-level evaluation: segmentation, matching and measurements."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

import i2i

FeatureGroup = Literal["intensity", "texture", "granularity", "radial_distribution"]
DEFAULT_FEATURES: tuple[FeatureGroup, ...] = ("intensity", "texture", "granularity")
"""Groups of cp-measure features measured in both stains on the real objects."""


class ThresholdParams(i2i.Params):
    """Smoothing and threshold that separate a stain's foreground from its background."""

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


class SegmentationParams(ThresholdParams):
    """The classical nucleus segmentation applied the same way to the real and predicted stain."""

    min_distance: int = Field(
        5,
        ge=1,
        description=(
            "Smallest distance (pixels) between two object centres: the watershed seeds are the "
            "distance-transform maxima at least this far apart."
        ),
    )


NUCLEAR_STAINS = ("DAPI", "Hoechst", "DNA", "Nucleus", "Nuclei", "H2B")
CYTOPLASMIC_STAINS = (
    "Actin",
    "F-actin",
    "Phalloidin",
    "Tubulin",
    "Mitochondria",
    "Mito",
    "ER",
    "AGP",
    "RNA",
    "Golgi",
    "Membrane",
    "Cytoplasm",
    "MAP2",
    "NFH",
)


class CellParams(ThresholdParams):
    """Cells of a cytoplasmic stain, grown from the nuclei of a nuclear channel of the same
    field by a seeded watershed (CellProfiler's IdentifySecondaryObjects)."""

    nuclear_channel: str | None = Field(
        None,
        description=(
            "The channel whose nuclei seed the cells; None: the first channel named in "
            "nuclear_stains."
        ),
    )
    nuclear_stains: list[str] = Field(
        default_factory=lambda: list(NUCLEAR_STAINS),
        description="Channel names (case-insensitive) recognised as a nuclear stain.",
    )
    cytoplasmic_stains: list[str] = Field(
        default_factory=lambda: list(CYTOPLASMIC_STAINS),
        description=(
            "Channel names (case-insensitive) segmented as cells when the field has a nuclear "
            "channel; other channels are segmented as nuclei-like objects. [] : never cells."
        ),
    )
    seeds: Literal["real", "predicted"] = Field(
        "real",
        description=(
            "Whose nuclei seed the cells of both stains: 'real' (the real nuclear stain: the "
            "cells then differ only by the cytoplasmic stain) or 'predicted' (the real cells "
            "from real nuclei, the predicted cells from predicted nuclei)."
        ),
    )
    compactness: float = Field(
        0.0,
        ge=0,
        description=(
            "Compact watershed: above 0, cells also favour pixels near their nucleus (like the "
            "regularisation of CellProfiler's Propagation); 0: intensity alone decides."
        ),
    )

    def nuclear_names(self) -> list[str]:
        """The channel names taken for a nuclear stain, by preference: ``nuclear_channel``
        if set, else ``nuclear_stains``."""
        return self.nuclear_stains if self.nuclear_channel is None else [self.nuclear_channel]

    def is_nuclear(self, channel: str) -> bool:
        """Whether ``channel`` is a nuclear stain (case-insensitive)."""
        return channel.casefold() in {name.casefold() for name in self.nuclear_names()}

    def is_cytoplasmic(self, channel: str) -> bool:
        """Whether ``channel`` is segmented as cells when its field has a nuclear stain."""
        return channel.casefold() in {name.casefold() for name in self.cytoplasmic_stains}


class GranularityParams(i2i.Params):
    """CellProfiler's MeasureGranularity settings (its defaults)."""

    subsample_size: float = Field(
        0.25,
        gt=0,
        le=1,
        description="The image is resampled by this factor before the granular spectrum.",
    )
    image_sample_size: float = Field(
        0.25, gt=0, le=1, description="Further resampling for the background (tophat) estimate."
    )
    element_size: int = Field(
        10, ge=1, description="Radius (pixels, after subsampling) of the background element."
    )
    spectrum_length: int = Field(16, ge=1, description="Number of granular spectrum steps.")


class ObjectParams(i2i.Params):
    """What the object-level evaluation segments, matches and measures."""

    segmentation: SegmentationParams = Field(default_factory=SegmentationParams)
    cells: CellParams = Field(default_factory=CellParams)
    granularity: GranularityParams = Field(default_factory=GranularityParams)
    group_by: str | None = Field(
        None,
        description=(
            "A regular expression over the field id whose first group (or whole match) is the "
            "field's well, e.g. '^([A-P]/\\d+)/' for plate fields 'B/03/0': profiles are then "
            "also aggregated per well. A conditions table's 'well' column does the same."
        ),
    )
    iou_threshold: float = Field(
        0.5, gt=0, le=1, description="A matched pair counts as a detection from this IoU on."
    )
    features: list[FeatureGroup] = Field(
        default_factory=lambda: list(DEFAULT_FEATURES),
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
    workers: int = Field(
        0,
        ge=0,
        description=(
            "Processes evaluating fields in parallel; 0: one per CPU core available, "
            "1: all in this process."
        ),
    )

    @field_validator("group_by")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc})") from None
        return pattern
