"""Prediction on whole images: tiling with blending, pixel-size aware, streamed to disk.

``i2i.predict`` is both this package and a function: ``i2i.predict(image, model=...)`` calls
:func:`i2i.predict.api.predict`.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from i2i.contract import ContractError, InputContract
from i2i.predict.api import predict
from i2i.predict.loading import load_predictor
from i2i.predict.predictor import PixelSizeWarning, Predictor
from i2i.predict.sliding_window import sliding_window_predict

__all__ = [
    "ContractError",
    "InputContract",
    "PixelSizeWarning",
    "Predictor",
    "load_predictor",
    "predict",
    "sliding_window_predict",
]


class _CallablePackage(ModuleType):
    """Lets ``i2i.predict(...)`` call :func:`predict` although ``i2i.predict`` is a package."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return predict(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
