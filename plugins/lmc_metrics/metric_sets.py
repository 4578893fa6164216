"""Which metrics summarise each organelle: the challenge's sets and Le & Lundberg's Cell
Painting set (published through the ``i2i_metric_sets`` hook)."""

from __future__ import annotations

CHALLENGE_METRICS = ["mae", "ssim", "pcc", "euclidean", "cosine"]
"""The five metrics the challenge ranked nucleus and mitochondria predictions by."""

METRIC_SETS: dict[str, list[str]] = {
    "nucleus": CHALLENGE_METRICS,
    "mitochondria": CHALLENGE_METRICS,
    "actin": ["ssim", "pcc"],
    "tubulin": ["ssim", "pcc"],
    "cell_painting": ["mse", "ssim", "mae", "pcc", "euclidean", "cosine"],
}
"""Metric sets by organelle (the challenge) and for Cell Painting (Le & Lundberg, Table 1)."""
