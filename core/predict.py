"""Deprecated: the prediction package is now :mod:`i2i.prediction`; this path goes in i2i 0.3.

``import i2i.predict`` and ``from i2i.predict.<module> import ...`` keep working for this
release, with a :class:`DeprecationWarning`; the submodules are those of :mod:`i2i.prediction`
(the same objects, so ``isinstance`` checks hold). ``i2i.predict(...)`` itself is the plain
function :func:`i2i.prediction.api.predict`; importing this module replaces that attribute of
``i2i`` with the module, so the module stays callable until it goes.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType

from i2i.prediction import (
    ContractError,
    InputContract,
    PixelSizeWarning,
    Predictor,
    api,
    batch,
    load_predictor,
    loading,
    output,
    predict,
    predictor,
    resample,
    sliding_window,
    sliding_window_predict,
    tiling,
    tta,
    window,
)

__all__ = [
    "ContractError",
    "InputContract",
    "PixelSizeWarning",
    "Predictor",
    "load_predictor",
    "predict",
    "sliding_window_predict",
]

warnings.warn(
    "the package i2i.predict is now i2i.prediction: import from there "
    "(i2i.predict(image, model=...) stays, as a function); the old path goes in i2i 0.3",
    DeprecationWarning,
    stacklevel=2,
)

for _submodule in (
    api,
    batch,
    loading,
    output,
    predictor,
    resample,
    sliding_window,
    tiling,
    tta,
    window,
):
    sys.modules[f"{__name__}.{_submodule.__name__.rsplit('.', 1)[1]}"] = _submodule


class _CallableModule(ModuleType):
    """Lets ``i2i.predict(...)`` call :func:`predict` while this deprecated module shadows it."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        return predict(*args, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
