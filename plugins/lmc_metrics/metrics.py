"""Metric components: ``metric(prediction, target) -> (B, C)`` for float tensors (B, C, H, W).

Each metric checks the shapes, converts to float64 on the tensors' device, applies the
challenge's percentile normalisation (shared between metrics through a small cache) unless
``normalize: none``, and returns one value per image and channel. On a GPU the whole batch is
computed at once; on the CPU one image at a time, which is faster there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import torch

from i2i.errors import I2IError
from i2i_plugins.lmc_metrics.correlation import cosine as _cosine
from i2i_plugins.lmc_metrics.correlation import pcc as _pcc
from i2i_plugins.lmc_metrics.params import MetricParams, PSNRParams
from i2i_plugins.lmc_metrics.percentile import normalize_cached
from i2i_plugins.lmc_metrics.pixel_errors import euclidean as _euclidean
from i2i_plugins.lmc_metrics.pixel_errors import mae as _mae
from i2i_plugins.lmc_metrics.pixel_errors import mse as _mse
from i2i_plugins.lmc_metrics.pixel_errors import psnr as _psnr
from i2i_plugins.lmc_metrics.ssim import WINDOW
from i2i_plugins.lmc_metrics.ssim import ssim as _ssim


class MetricInputError(I2IError):
    """Prediction and target cannot be scored together."""


def _value_range(images: torch.Tensor) -> torch.Tensor:
    """max - min of each plane: (B, C, H, W) → (B, C)."""
    return images.amax(dim=(-2, -1)) - images.amin(dim=(-2, -1))


class Metric(ABC):
    """A per-image, per-channel metric of the Light My Cells evaluation."""

    name: str
    higher_is_better: bool
    min_size = 1

    def __init__(self, name: str, higher_is_better: bool, params: MetricParams):
        self.name = name
        self.higher_is_better = higher_is_better
        self.params = params

    def __call__(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """prediction, target: (B, C, H, W) → (B, C) float64."""
        self._check(prediction, target)
        if self.params.normalize == "challenge":
            x, y = normalize_cached(prediction), normalize_cached(target)
        else:
            x, y = prediction.to(torch.float64), target.to(torch.float64)
        if x.device.type != "cpu":
            return self.compute(x, y)
        # on the CPU one image at a time keeps temporaries small (batched: many large allocations)
        return torch.cat([self.compute(x[i : i + 1], y[i : i + 1]) for i in range(x.shape[0])])

    @abstractmethod
    def compute(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The metric of normalised (B, C, H, W) float64 images, (B, C)."""

    def _check(self, prediction: torch.Tensor, target: torch.Tensor) -> None:
        if prediction.dim() != 4 or prediction.shape != target.shape:
            raise MetricInputError(
                f"Metric {self.name!r} needs prediction and target of the same shape "
                f"(B, C, H, W); got {tuple(prediction.shape)} and {tuple(target.shape)}. "
                "Crop or resize the prediction to the target's size before scoring."
            )
        if min(prediction.shape[-2:]) < self.min_size:
            raise MetricInputError(
                f"Metric {self.name!r} needs images of at least {self.min_size} × "
                f"{self.min_size} pixels; got {tuple(prediction.shape[-2:])}."
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, normalize={self.params.normalize!r})"


class _Pairwise(Metric):
    """A metric that is a plain function of the two (normalised) images."""

    def __init__(
        self,
        name: str,
        higher_is_better: bool,
        params: MetricParams,
        function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    ):
        super().__init__(name, higher_is_better, params)
        self.function = function

    def compute(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.function(x, y)


class SSIM(Metric):
    """SSIM with ``data_range`` = the larger of the two (normalised) images' ranges."""

    min_size = WINDOW

    def compute(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        data_range = torch.maximum(_value_range(x), _value_range(y))  # (B, C)
        return _ssim(x, y, data_range)


class PSNR(Metric):
    """PSNR with the target's range (or the larger of both ranges) as the peak value."""

    params: PSNRParams

    def compute(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        data_range = _value_range(y)
        if self.params.data_range == "both":
            data_range = torch.maximum(data_range, _value_range(x))
        return _psnr(x, y, data_range)


def mae(params: MetricParams) -> Metric:
    return _Pairwise("mae", False, params, _mae)


def mse(params: MetricParams) -> Metric:
    return _Pairwise("mse", False, params, _mse)


def euclidean(params: MetricParams) -> Metric:
    return _Pairwise("euclidean", False, params, _euclidean)


def pcc(params: MetricParams) -> Metric:
    return _Pairwise("pcc", True, params, _pcc)


def cosine(params: MetricParams) -> Metric:
    return _Pairwise("cosine", False, params, _cosine)


def ssim(params: MetricParams) -> Metric:
    return SSIM("ssim", True, params)


def psnr(params: PSNRParams) -> Metric:
    return PSNR("psnr", True, params)
