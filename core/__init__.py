"""i2i: plugin-based image-to-image translation for microscopy.

``import i2i`` is cheap: the registries (``i2i.registries``) load plugins on first access and
heavy libraries (torch, bioio) load only when a component is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from i2i._version import __version__
from i2i.errors import I2IError
from i2i.plugins import hookimpl
from i2i.registry import KINDS, Params

if TYPE_CHECKING:
    from i2i.prediction import predict
    from i2i.recipe import load_recipe
    from i2i.registry import Registries
    from i2i.training import train
    from i2i.zoo import load_model

    registries: Registries

__all__ = [
    "KINDS",
    "I2IError",
    "Params",
    "__version__",
    "hookimpl",
    "load_model",
    "load_recipe",
    "predict",
    "registries",
    "train",
]


def __getattr__(name: str) -> Any:
    if name == "registries":
        from i2i.plugins import get_registries

        return get_registries()
    if name == "predict":
        from i2i.prediction import predict

        return predict
    if name == "train":
        from i2i.training import train

        return train
    if name == "load_model":
        from i2i.zoo import load_model

        return load_model
    if name == "load_recipe":
        from i2i.recipe import load_recipe

        return load_recipe
    raise AttributeError(f"module 'i2i' has no attribute {name!r}")
