"""The Light My Cells challenge metrics (MAE, MSE, SSIM, PCC, Euclidean, cosine, PSNR) in torch.

Every metric percentile-normalises prediction and target the way the ISBI 2024 Light My Cells
challenge did (p2/p99.8 over the whole image, not clipped) unless ``normalize: none``, then
scores each image and channel of a (B, C, H, W) batch in float64 on the tensors' device.
The per-organelle metric sets of the challenge and the Cell Painting set of Le & Lundberg's
Table 1 are published through the ``i2i_metric_sets`` hook.
"""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.lmc_metrics.metric_sets import CHALLENGE_METRICS, METRIC_SETS
from i2i_plugins.lmc_metrics.params import MetricParams, PSNRParams

__all__ = [
    "CHALLENGE_METRICS",
    "METRIC_SETS",
    "MetricParams",
    "PSNRParams",
    "i2i_metric_sets",
    "i2i_register",
]

_DESCRIPTIONS = {
    "mae": "Mean absolute error per image and channel (lower is better).",
    "mse": "Mean squared error per image and channel (lower is better).",
    "ssim": "Structural similarity as skimage's defaults: 7x7 uniform window (higher is better).",
    "pcc": "Pearson correlation of the flattened images, NaN as 0 (higher is better).",
    "euclidean": "Euclidean norm of the flattened difference (lower is better).",
    "cosine": "Cosine distance |1 - cos(prediction, target)| (lower is better).",
    "psnr": "Peak signal-to-noise ratio in dB (higher is better).",
}


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    module = "i2i_plugins.lmc_metrics.metrics"
    for name, description in _DESCRIPTIONS.items():
        registries.metrics.add(
            name,
            params=PSNRParams if name == "psnr" else MetricParams,
            factory=f"{module}:{name}",
            description=description,
            example={"normalize": "challenge"},
        )


@i2i.hookimpl
def i2i_metric_sets() -> dict[str, list[str]]:
    return {name: list(metrics) for name, metrics in METRIC_SETS.items()}
