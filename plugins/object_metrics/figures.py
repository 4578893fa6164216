"""Figures of the object-level evaluation: real-vs-predicted scatter and a segmentation overlay."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from i2i.atomic import write_bytes_atomic
from i2i_plugins.object_metrics.agreement import PairedMeasurements, spearman
from i2i_plugins.object_metrics.report import OrganelleAgreement, Overlay

KEY_FEATURES = (
    "intensity/Intensity_MeanIntensity",
    "intensity/Intensity_IntegratedIntensity",
    "texture/Contrast_3_00_256",
    "granularity/Granularity_2",
    "shape/Area",
    "shape/Solidity",
)
"""Features shown in the scatter figure, when measured."""


def scatter_figure(agreement: OrganelleAgreement, path: Path) -> Path | None:
    """Real (x) against predicted (y) value of each object for the key features."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    for name in KEY_FEATURES:
        source = agreement.shapes if name.startswith("shape/") else agreement.measurements
        values = _pooled(source, name)
        if values is not None:
            panels.append((name, values))
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2), squeeze=False)
    for axis, (name, (real, predicted)) in zip(axes[0], panels, strict=True):
        axis.scatter(real, predicted, s=6, alpha=0.6)
        low = float(np.nanmin([real.min(), predicted.min()]))
        high = float(np.nanmax([real.max(), predicted.max()]))
        axis.plot([low, high], [low, high], color="grey", linewidth=0.8)
        axis.set_title(
            f"{name.split('/')[1]}\nSpearman {spearman(real, predicted):.2f}", fontsize=9
        )
        axis.set_xlabel("real stain")
        axis.set_ylabel("predicted stain")
    figure.tight_layout()
    return _save(figure, path)


def overlay_figure(overlay: Overlay, path: Path) -> Path:
    """Both stains with the real (green) and predicted (magenta) object outlines on each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.segmentation import find_boundaries

    real_edges = find_boundaries(overlay.real_labels, mode="inner")
    pred_edges = find_boundaries(overlay.predicted_labels, mode="inner")
    figure, axes = plt.subplots(1, 2, figsize=(8, 4.2))
    for axis, stain, title in zip(
        axes, (overlay.real, overlay.predicted), ("real stain", "predicted stain"), strict=True
    ):
        rgb = np.repeat(stain[..., None], 3, axis=2)
        rgb[real_edges] = (0.0, 1.0, 0.0)
        rgb[pred_edges] = (1.0, 0.0, 1.0)
        axis.imshow(rgb, interpolation="nearest")
        axis.set_title(f"{title}: real objects green, predicted magenta", fontsize=8)
        axis.axis("off")
    figure.suptitle(overlay.field, fontsize=9)
    figure.tight_layout()
    return _save(figure, path)


def _pooled(fields: list[PairedMeasurements], name: str) -> tuple[np.ndarray, np.ndarray] | None:
    used = [f for f in fields if name in f.real.columns and len(f.real)]
    if not used:
        return None
    real = np.concatenate([f.real[name].to_numpy() for f in used])
    predicted = np.concatenate([f.predicted[name].to_numpy() for f in used])
    keep = np.isfinite(real) & np.isfinite(predicted)
    return (real[keep], predicted[keep]) if keep.any() else None


def _save(figure: object, path: Path) -> Path:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    return write_bytes_atomic(path, buffer.getvalue())
