"""Classical nucleus segmentation: smoothing, threshold, distance-transform watershed.

The standard recipe of CellProfiler's IdentifyPrimaryObjects ("shape" declumping) and of
scikit-image's watershed example: Gaussian smoothing, Otsu's global threshold (Otsu 1979, "A
threshold selection method from gray-level histograms", IEEE SMC) or a local Gaussian-weighted
threshold, removal of small objects and holes, then a marker watershed (Beucher & Meyer 1993)
on the negated Euclidean distance transform, seeded at its maxima at least ``min_distance``
apart, so touching round objects are split along their neck.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from i2i_plugins.object_metrics.distance import distance_to_background
from i2i_plugins.object_metrics.params import SegmentationParams, ThresholdParams

Labels = npt.NDArray[np.int32]
"""(H, W) object labels: 0 background, 1..N objects."""


def segment(image: npt.NDArray[np.floating], params: SegmentationParams) -> Labels:
    """Objects of a (H, W) stain scaled to 0-1, labelled 1..N (0 background)."""
    return _split_touching(foreground(image, params), params.min_distance)


def smoothed(image: npt.NDArray[np.floating], sigma: float) -> npt.NDArray[np.float64]:
    """The (H, W) image smoothed by a Gaussian of ``sigma`` pixels (0: unchanged)."""
    from scipy import ndimage

    return ndimage.gaussian_filter(image.astype(np.float64), sigma)


def foreground(
    image: npt.NDArray[np.floating],
    params: ThresholdParams,
    smooth: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Pixels of a (H, W) 0-1 stain above its threshold, without specks or holes under
    ``min_size``; ``smooth``: the stain already smoothed by ``params.smoothing_sigma``."""
    from skimage import filters

    smooth = smoothed(image, params.smoothing_sigma) if smooth is None else smooth
    if np.ptp(smooth) == 0:
        return np.zeros(image.shape, dtype=bool)
    if params.threshold == "otsu":
        mask = smooth > filters.threshold_otsu(smooth)
    else:
        block = params.local_block_size | 1
        local = filters.threshold_local(
            smooth, block, method="gaussian", offset=-params.local_offset
        )
        mask = smooth > local
    return _without_small_parts(mask, params.min_size)


def _without_small_parts(mask: npt.NDArray[np.bool_], min_size: int) -> npt.NDArray[np.bool_]:
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    keep = sizes >= min_size
    keep[0] = False
    mask = keep[labels]
    holes, count = ndimage.label(~mask)
    hole_sizes = np.bincount(holes.ravel(), minlength=count + 1)
    small_hole = hole_sizes < min_size
    small_hole[0] = False
    return mask | small_hole[holes]


def _split_touching(foreground: npt.NDArray[np.bool_], min_distance: int) -> Labels:
    from scipy import ndimage
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    components, _ = ndimage.label(foreground)
    distance = distance_to_background(foreground)  # scipy's, faster
    peaks = peak_local_max(
        distance, min_distance=min_distance, labels=components, exclude_border=False
    )
    markers = np.zeros(foreground.shape, dtype=np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = watershed(-distance, markers, mask=foreground)  # every seed keeps its id 1..N
    return labels.astype(np.int32)


def relabelled(labels: npt.NDArray[np.integer]) -> Labels:
    """Labels renumbered 1..N in the order of their values (0 stays background)."""
    values, inverse = np.unique(labels, return_inverse=True)
    offset = 0 if values[0] == 0 else 1
    return (inverse.reshape(labels.shape) + offset).astype(np.int32)
