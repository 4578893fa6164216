"""The thresholds of the input-domain comparison (:func:`i2i.domain.domain_differences`)."""

from __future__ import annotations

import numpy as np

from i2i.contract import InputContract
from i2i.domain import (
    ChannelStatistics,
    ObservedInput,
    TrainingDomain,
    channel_statistics,
    domain_differences,
)

PHASE = ChannelStatistics(p1=0.0, p50=0.4, p99=1.0, clipped=0.02, median_low=0.35, median_high=0.45)
CONTRACT = InputContract(output_channels=["DNA"])
DOMAIN = TrainingDomain(
    pixel_sizes_um=[0.1],
    z_plane_counts=[1],
    channel_names=[["BF", "PC"]],
    input_labels=["BF/PC"],
    statistics=[PHASE],
    samples=16,
)


def _differences(
    statistics: ChannelStatistics = PHASE,
    *,
    size: float | None = 0.1,
    names: list[str] | None = None,
    z: int = 1,
    domain: TrainingDomain | None = DOMAIN,
    contract: InputContract = CONTRACT,
    resampled: bool = False,
) -> list[str]:
    observed = ObservedInput(size, names or ["BF"], z, [statistics])
    return domain_differences(domain, observed, contract, resampled)


def test_an_input_like_the_training_data_differs_in_nothing():
    assert _differences() == []
    assert _differences(PHASE.model_copy(update={"p50": 0.45 + 0.24})) == []  # within 25 %


def test_a_median_beyond_the_training_medians_by_more_than_a_quarter_of_the_range():
    (found,) = _differences(PHASE.model_copy(update={"p50": 0.05}))
    assert "BF/PC: median 0.05 vs 0.35..0.45 in training, off by 30% of the training range" in (
        found
    )


def test_percentiles_and_clipped_fractions_have_their_own_thresholds():
    (found,) = _differences(PHASE.model_copy(update={"p99": 0.7, "clipped": 0.2}))
    assert "99th percentile 0.7 vs 1, off by 30%" in found
    assert "20.0% of pixels at or beyond the normalisation bounds vs 2.0%" in found
    assert _differences(PHASE.model_copy(update={"p99": 0.8, "clipped": 0.06})) == []


def test_pixel_sizes_differ_beyond_ten_percent_unless_prediction_resamples():
    assert _differences(size=0.105) == []
    (found,) = _differences(size=0.065)
    assert "pixel size 0.065 µm vs 0.1 µm in training (-35%, more than 10%)" in found
    assert _differences(size=0.065, resampled=True) == []
    assert _differences(size=None) == []  # the PixelSizeWarning's concern


def test_without_a_recorded_domain_what_the_contract_says_is_still_checked():
    stacked = InputContract(output_channels=["DNA"], z_planes=list(range(13)))
    (size, planes) = _differences(size=0.0655, z=17, domain=None, contract=stacked)
    assert "pixel size 0.0655 µm, but the model's training pixel size is not recorded" in size
    assert "17 z-planes, but the model reads z-planes 0..12 and ignores the other 4" in planes
    assert _differences(size=None, z=13, domain=None, contract=stacked) == []


def test_channel_names_are_compared_unless_they_are_placeholders():
    (found,) = _differences(names=["DAPI"])
    assert "input channel(s) named ['DAPI'] vs BF/PC in training" in found
    assert _differences(names=["pc"]) == []
    assert _differences(names=["Channel:0:0"]) == []
    assert _differences(names=["C0"]) == []


def test_statistics_pool_the_pixels_and_range_the_medians_of_items():
    dark = np.full((1, 100), 0.1, np.float32)
    bright = np.full((1, 100), 0.9, np.float32)
    (stats,) = channel_statistics([dark, bright])
    assert (stats.median_low, stats.median_high) == (np.float32(0.1), np.float32(0.9))
    assert stats.clipped == 0.0
    (edges,) = channel_statistics([np.array([[0.0, 0.5, 1.0, 2.0]], np.float32)])
    assert edges.clipped == 0.75
