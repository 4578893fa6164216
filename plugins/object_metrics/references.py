"""Reference stains that bound what an evaluation can score, computed in the same run.

Upper bound: the real stain against itself as a second acquisition would differ from it. Two
acquisitions S + n1 and S + n2 with independent noise of the same level sigma differ by
noise of sd sqrt(2) sigma, so the reference adds Gaussian noise of sd sqrt(2) sigma to the
real stain, sigma estimated from the real stain by Immerkær's method (1996, "Fast noise
variance estimation", Computer Vision and Image Understanding 64, 300): the mean absolute
response to a Laplacian-difference mask that cancels smooth structure.
Lower bound: the prediction blurred by a Gaussian of ``blur_sigma`` pixels (nuclei merge,
texture is lost), which a useful model must beat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from i2i_plugins.object_metrics.evaluation import FieldImages, evaluate_compared
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.report import ObjectReport

MODEL = "model"
UPPER = "real + acquisition noise (upper bound)"
LOWER = "blurred prediction (lower bound)"


def second_acquisition(
    real: npt.NDArray[np.generic], rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """The real stain with the noise a second acquisition of it would add (module docstring)."""
    image = np.asarray(real, dtype=np.float32)
    sigma = noise_sigma(image)
    return image + rng.normal(0.0, np.sqrt(2.0) * sigma, image.shape).astype(np.float32)


def noise_sigma(image: npt.NDArray[np.generic]) -> float:
    """Immerkær's estimate of the sd of additive Gaussian noise in a (H, W) image."""
    from scipy import ndimage

    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    response = ndimage.convolve(np.asarray(image, dtype=np.float64), mask)[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(response).mean() / 6)


def blurred(predicted: npt.NDArray[np.generic], sigma: float) -> npt.NDArray[np.float32]:
    """The prediction smoothed by a Gaussian of ``sigma`` pixels."""
    from scipy import ndimage

    return ndimage.gaussian_filter(np.asarray(predicted, dtype=np.float32), sigma)


def evaluate_with_references(
    fields: Callable[[], Iterable[FieldImages]],
    params: ObjectParams | None = None,
    blur_sigma: float = 4.0,
    seed: int = 0,
) -> dict[str, ObjectReport]:
    """The model's report and those of both references, in one pass over the fields (each
    field's real stain segmented and measured once); ``fields`` gives the fields."""
    rng = np.random.default_rng(seed)

    def upper(item: FieldImages) -> FieldImages:
        nuclei = item.nuclei
        if nuclei is not None:  # a second acquisition of the nuclear channel too
            nuclei = replace(nuclei, predicted=second_acquisition(nuclei.real, rng))
        noisy = second_acquisition(item.real, rng)
        return replace(item, predicted=noisy, predicted_labels=None, nuclei=nuclei)

    def lower(item: FieldImages) -> FieldImages:
        nuclei = item.nuclei
        if nuclei is not None and nuclei.predicted is not None:  # None: no predicted nuclei
            nuclei = replace(nuclei, predicted=blurred(nuclei.predicted, blur_sigma))
        smooth = blurred(item.predicted, blur_sigma)
        return replace(item, predicted=smooth, predicted_labels=None, nuclei=nuclei)

    def compared() -> Iterator[dict[str, FieldImages]]:
        for item in fields():
            yield {MODEL: item, UPPER: upper(item), LOWER: lower(item)}

    return evaluate_compared(compared(), params)
