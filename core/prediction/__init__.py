"""Prediction on whole images: tiling with blending, pixel-size aware, streamed to disk.

The one-call API is the function ``i2i.predict(image, model=...)``
(:func:`i2i.prediction.api.predict`); this package holds the machinery behind it.
"""

from __future__ import annotations

from i2i.contract import ContractError, InputContract
from i2i.domain import DomainError, DomainWarning, TrainingDomain
from i2i.prediction.api import predict
from i2i.prediction.loading import load_predictor
from i2i.prediction.predictor import PixelSizeWarning, Predictor
from i2i.prediction.sliding_window import sliding_window_predict

__all__ = [
    "ContractError",
    "DomainError",
    "DomainWarning",
    "InputContract",
    "PixelSizeWarning",
    "Predictor",
    "TrainingDomain",
    "load_predictor",
    "predict",
    "sliding_window_predict",
]
