"""Cells of a cytoplasmic stain grown from their nuclei: a seeded watershed.

CellProfiler's IdentifySecondaryObjects (Carpenter et al. 2006, "CellProfiler: image analysis
software for identifying and quantifying cell phenotypes", Genome Biology 7, R100; Stirling et
al. 2021, BMC Bioinformatics 22, 433) finds each cell by growing it from its nucleus (the
primary object) over the thresholded cytoplasmic stain; its "Watershed - Image" method floods
the inverted stain from the nuclei, and "Propagation" (Jones, Carpenter & Golland 2005,
"Voronoi-based segmentation of cells on image manifolds", CVBIA, LNCS 3765) adds a distance
term that keeps cells compact where the stain says little. Here: the stain is smoothed and
thresholded as the nuclei are (:func:`.segmentation.foreground`); the nuclei, whole, are the
markers of a watershed (Beucher & Meyer 1993) of the negated smoothed stain within the
foreground and the nuclei, so two touching cells part along the dimmest line between their
nuclei; ``compactness`` above 0 gives the compact watershed (Neubert & Protzel 2014, "Compact
watershed and preemptive SLIC", ICPR), the counterpart of Propagation's regularisation. Cell
``i`` grows from nucleus ``i`` and contains it; foreground reached from no nucleus is no cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from i2i_plugins.object_metrics.params import CellParams
from i2i_plugins.object_metrics.segmentation import Labels, foreground, smoothed


def segment_cells(image: npt.NDArray[np.floating], nuclei: Labels, params: CellParams) -> Labels:
    """Cells 1..N of a (H, W) 0-1 cytoplasmic stain, cell ``i`` grown from nucleus ``i`` of
    the (H, W) ``nuclei`` labels (0 background, 1..N)."""
    from skimage.segmentation import watershed

    if nuclei.shape != image.shape:
        raise ValueError(f"nuclei of shape {nuclei.shape} for a stain of shape {image.shape}")
    if nuclei.max(initial=0) == 0:
        return np.zeros(image.shape, dtype=np.int32)
    smooth = smoothed(image, params.smoothing_sigma)
    within = foreground(image, params, smooth) | (nuclei > 0)
    cells = watershed(-smooth, nuclei, mask=within, compactness=params.compactness)
    return cells.astype(np.int32)
