"""The input domain of a model: what its training inputs looked like, and how an image differs.

Training records in the metadata of exported weights (key ``training_domain``, a
:class:`TrainingDomain`): the pixel sizes, z-plane counts and input channel names of the
training fields and, per model input channel, intensity statistics *after normalisation* of a
sample of training items (:data:`DOMAIN_PERCENTILES` of their pooled pixels, the range of
their medians, and the fraction of pixels at or beyond the normalisation bounds, 0 and 1).
Prediction computes the same statistics for each input (:func:`pixel_sample` of one plane
group, normalised as the model sees it) and :func:`domain_differences` says what differs and
by how much. The thresholds:

- a percentile (1st, 99th) differs when it is off by more than :data:`STATISTIC_TOLERANCE` of
  the training range (99th - 1st percentile); the median when it lies further than that
  outside the range of the training items' medians;
- the fraction of pixels at or beyond the bounds when it differs by more than
  :data:`CLIPPED_TOLERANCE` (absolute);
- the pixel size when it is more than :data:`PIXEL_SIZE_TOLERANCE` (relative) from every
  training pixel size, and prediction does not resample to the model's pixel size;
- z-planes: a model that stacks z-planes as channels, given an image with a z-plane count no
  training field had (or, without a recorded domain, with planes it does not read);
- channel names that are not placeholders (``C0``, ``Channel:0:0``) and differ from the
  training ones (case-insensitive).

Per-image percentile normalisation maps every image's 2nd and 99.8th percentiles to 0 and 1,
so the 1st and 99th percentiles after it move little; the median (the shape of the histogram:
a dark fluorescence background against the mid-grey of phase contrast) is what tells domains
apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from i2i.contract import InputContract
from i2i.errors import I2IError, validation_problems
from i2i.normalization import (
    SAMPLE_BLOCKS,
    SAMPLE_SIDE,
    WHOLE_PLANE_LIMIT,
    ReadRegion,
    grid_sample,
)

METADATA_KEY = "training_domain"
ITEM_PIXELS = 16384
"""Pixels per channel taken from one training item (a regular grid)."""
DOMAIN_PERCENTILES = (1.0, 50.0, 99.0)
STATISTIC_TOLERANCE = 0.25
"""Fraction of the training range (99th - 1st percentile) a statistic may be off by."""
CLIPPED_TOLERANCE = 0.05
"""Absolute difference allowed in the fraction of pixels at or beyond the bounds."""
PIXEL_SIZE_TOLERANCE = 0.10
"""Relative pixel-size difference allowed (when prediction does not resample)."""
PLACEHOLDER_CHANNEL = re.compile(r"^(c|ch|channel)[ _:-]?\d+([ _:-]\d+)*$", re.IGNORECASE)
"""Channel names that readers invent for unnamed channels: not compared."""


class DomainWarning(UserWarning):
    """An input differs from the model's training data (pixel size, channels, intensities)."""


class DomainError(I2IError):
    """An input differs from the model's training data and the domain check is strict."""


class ChannelStatistics(BaseModel):
    """Intensity statistics of one model input channel after normalisation."""

    model_config = ConfigDict(extra="ignore")

    p1: float = Field(description="1st percentile of the pooled pixels.")
    p50: float = Field(description="Median of the pooled pixels.")
    p99: float = Field(description="99th percentile of the pooled pixels.")
    clipped: float = Field(
        ge=0, le=1, description="Fraction of pixels at or beyond the bounds (<= 0 or >= 1)."
    )
    median_low: float = Field(description="Lowest median of one item (field, crop, image).")
    median_high: float = Field(description="Highest median of one item.")


class TrainingDomain(BaseModel):
    """What the training inputs of a model were (recorded at training time)."""

    model_config = ConfigDict(extra="ignore")

    pixel_sizes_um: list[float] = Field(
        default_factory=list, description="Distinct pixel sizes (µm) of the training fields."
    )
    z_plane_counts: list[int] = Field(
        default_factory=list, description="Distinct numbers of z-planes of the training fields."
    )
    channel_names: list[list[str]] = Field(
        default_factory=list,
        description="Per image input channel, the names it had in the training fields.",
    )
    input_labels: list[str] = Field(
        default_factory=list, description="Model input channels: channel (and z-plane) names."
    )
    statistics: list[ChannelStatistics] = Field(
        default_factory=list, description="Per model input channel, after normalisation."
    )
    samples: int = Field(0, ge=0, description="Training items the statistics come from.")

    @classmethod
    def from_metadata(cls, data: object, source: str) -> TrainingDomain | None:
        """The domain in weights' metadata, ``None`` when there is none (older weights)."""
        if data is None:
            return None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise DomainError(
                f"{source}: the recorded training domain is invalid "
                f"({validation_problems(exc, METADATA_KEY)}). Re-export the weights with "
                "'i2i run' or remove the 'training_domain' metadata key."
            ) from None


def input_labels(channels: Sequence[Sequence[str]], contract: InputContract) -> list[str]:
    """Names of the model input channels: ``channel`` or ``channel z<k>`` (channel-major);
    a channel with several names in training is ``name1/name2``."""
    joined = ["/".join(names) for names in channels]
    if not isinstance(contract.z_planes, list):
        return joined
    return [f"{c} z{z}" for c in joined for z in contract.z_planes]


def channel_statistics(items: Sequence[npt.NDArray[np.float32]]) -> list[ChannelStatistics]:
    """Statistics of each channel of ``items``: (C, N) normalised pixels of each item."""
    pooled = np.concatenate([np.asarray(i, dtype=np.float32) for i in items], axis=1)
    low, median, high = np.percentile(pooled, DOMAIN_PERCENTILES, axis=1)
    medians = np.array([np.median(item, axis=1) for item in items])  # (items, C)
    clipped = ((pooled <= 0) | (pooled >= 1)).mean(axis=1)
    return [
        ChannelStatistics(
            p1=float(low[c]),
            p50=float(median[c]),
            p99=float(high[c]),
            clipped=float(clipped[c]),
            median_low=float(medians[:, c].min()),
            median_high=float(medians[:, c].max()),
        )
        for c in range(pooled.shape[0])
    ]


def item_pixels(image: npt.ArrayLike, limit: int = ITEM_PIXELS) -> npt.NDArray[np.float32]:
    """(C, H, W) -> (C, N) float32: a regular grid of at most about ``limit`` pixels."""
    array = np.asarray(image)
    height, width = array.shape[-2:]
    stride = max(1, int(np.ceil(np.sqrt(height * width / limit))))
    return np.asarray(array[:, ::stride, ::stride], dtype=np.float32).reshape(array.shape[0], -1)


def pixel_sample(read: ReadRegion, shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """(C, N) pixels of a lazily read plane: a regular grid of the whole plane up to
    ``WHOLE_PLANE_LIMIT`` pixels, else blocks spread over it (as :mod:`i2i.normalization`)."""
    height, width = shape
    if height * width <= WHOLE_PLANE_LIMIT:
        return grid_sample(read(slice(0, height), slice(0, width)))
    blocks = [read(y, x) for y in _spread(height) for x in _spread(width)]
    return np.concatenate([grid_sample(b) for b in blocks], axis=1)


def _spread(length: int) -> list[slice]:
    side = min(SAMPLE_SIDE, length)
    starts = np.unique(np.linspace(0, length - side, SAMPLE_BLOCKS).round().astype(int))
    return [slice(int(s), int(s) + side) for s in starts]


@dataclass(frozen=True)
class ObservedInput:
    """What prediction sees of one input image."""

    pixel_size_um: float | None
    """The image's (or the given) pixel size; ``None``: unknown."""
    channel_names: list[str]
    """The names of the image channels the contract selects."""
    z_planes: int
    statistics: list[ChannelStatistics] | None
    """Per model input channel, after normalisation; ``None``: not computed."""


def domain_differences(
    domain: TrainingDomain | None,
    observed: ObservedInput,
    contract: InputContract,
    resampled: bool,
) -> list[str]:
    """What differs between ``observed`` and the training domain, each with by how much.

    ``domain`` ``None`` (weights without a recorded domain): only what the contract tells
    (the pixel size, unread z-planes). ``resampled``: prediction resamples the image to the
    model's pixel size, so the pixel size cannot differ.
    """
    differences = _pixel_size(domain, observed, contract, resampled)
    differences += _z_planes(domain, observed, contract)
    if domain is None:
        return differences
    differences += _channels(domain, observed)
    if observed.statistics is not None and len(observed.statistics) == len(domain.statistics):
        differences += _intensities(domain, observed.statistics)
    return differences


def _pixel_size(
    domain: TrainingDomain | None,
    observed: ObservedInput,
    contract: InputContract,
    resampled: bool,
) -> list[str]:
    size = observed.pixel_size_um
    trained = [contract.pixel_size_um] if contract.pixel_size_um else []
    trained = trained or (domain.pixel_sizes_um if domain is not None else [])
    if size is None or resampled:
        return []  # an unknown size is the PixelSizeWarning's
    if not trained:
        return [
            f"pixel size {size:g} µm, but the model's training pixel size is not recorded, so "
            "the scale cannot be checked"
        ]
    nearest = min(trained, key=lambda t: abs(size / t - 1))
    off = size / nearest - 1
    if abs(off) <= PIXEL_SIZE_TOLERANCE:
        return []
    listed = ", ".join(f"{t:g}" for t in trained)
    return [
        f"pixel size {size:g} µm vs {listed} µm in training ({off:+.0%}, more than "
        f"{PIXEL_SIZE_TOLERANCE:.0%}); give --pixel-size if the file misstates it"
    ]


def _z_planes(
    domain: TrainingDomain | None, observed: ObservedInput, contract: InputContract
) -> list[str]:
    planes = contract.z_planes
    if not isinstance(planes, list):
        return []
    read = f"reads z-planes {_span(planes)}"
    if domain is not None and domain.z_plane_counts:
        if observed.z_planes in domain.z_plane_counts:
            return []
        counts = " or ".join(map(str, domain.z_plane_counts))
        return [
            f"{observed.z_planes} z-planes vs {counts} in training (the model {read}); "
            "check that the planes are spaced and ordered as in training"
        ]
    if observed.z_planes > max(planes) + 1:
        unused = observed.z_planes - len(planes)
        return [
            f"{observed.z_planes} z-planes, but the model {read} and ignores the other "
            f"{unused}; check that the planes it reads are those it was trained on"
        ]
    return []


def _channels(domain: TrainingDomain, observed: ObservedInput) -> list[str]:
    trained, given = domain.channel_names, observed.channel_names
    if not trained:
        return []
    shown = " ".join("/".join(names) for names in trained)
    if len(given) != len(trained):
        return [f"{len(given)} input channel(s) {given} vs {len(trained)} ({shown}) in training"]
    if any(PLACEHOLDER_CHANNEL.match(name) for name in given):
        return []
    known = [
        name.lower() in {n.lower() for n in names}
        for name, names in zip(given, trained, strict=True)
    ]
    if not all(known):
        return [f"input channel(s) named {given} vs {shown} in training"]
    return []


def _intensities(domain: TrainingDomain, observed: Sequence[ChannelStatistics]) -> list[str]:
    labels = domain.input_labels or [f"input {i}" for i in range(len(observed))]
    found: list[tuple[float, str]] = []  # (how far beyond the tolerance, description)
    for label, trained, seen in zip(labels, domain.statistics, observed, strict=False):
        span = max(trained.p99 - trained.p1, 1e-6)
        tolerance = STATISTIC_TOLERANCE * span
        median_off = max(trained.median_low - seen.p50, seen.p50 - trained.median_high, 0.0)
        if median_off > tolerance:
            found.append(
                (
                    median_off / span,
                    f"{label}: median {seen.p50:.3g} vs {trained.median_low:.3g}.."
                    f"{trained.median_high:.3g} in training, off by {median_off / span:.0%} of "
                    f"the training range {trained.p1:.3g}..{trained.p99:.3g}",
                )
            )
        for name, trained_value, value in (
            ("1st percentile", trained.p1, seen.p1),
            ("99th percentile", trained.p99, seen.p99),
        ):
            if abs(value - trained_value) > tolerance:
                off = abs(value - trained_value) / span
                found.append(
                    (off, f"{label}: {name} {value:.3g} vs {trained_value:.3g}, off by {off:.0%}")
                )
        clipped_off = abs(seen.clipped - trained.clipped)
        if clipped_off > CLIPPED_TOLERANCE:
            found.append(
                (
                    clipped_off,
                    f"{label}: {seen.clipped:.1%} of pixels at or beyond the normalisation "
                    f"bounds vs {trained.clipped:.1%}",
                )
            )
    if not found:
        return []
    found.sort(key=lambda item: -item[0])
    shown = "; ".join(text for _, text in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return [
        f"intensities after normalisation differ (threshold {STATISTIC_TOLERANCE:.0%} of the "
        f"training range): {shown}{more}"
    ]


def _span(planes: list[int]) -> str:
    if planes == list(range(planes[0], planes[0] + len(planes))):
        return f"{planes[0]}..{planes[-1]}"
    return ", ".join(map(str, planes))
