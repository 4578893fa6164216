"""Parameters of the metrics: the normalisation before scoring, and PSNR's peak value."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import i2i

Normalization = Literal["challenge", "none"]


class MetricParams(i2i.Params):
    normalize: Normalization = Field(
        "challenge",
        description=(
            "'challenge': scale prediction and target to (x - p2) / (p99.8 - p2) first, as the "
            "Light My Cells evaluation did; 'none': score the values as given."
        ),
    )


class PSNRParams(MetricParams):
    data_range: Literal["target", "both"] = Field(
        "target",
        description=(
            "Peak value of the PSNR: the (normalised) target's max - min, or the larger of the "
            "two images' ranges (as SSIM uses)."
        ),
    )
