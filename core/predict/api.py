"""The one-call Python API: ``i2i.predict(image, model=...)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.predict.loading import load_predictor
from i2i.predict.predictor import Predictor


def predict(
    image: Any, model: str | Path | Predictor, out: str | Path | None = None, **options: Any
) -> Any:
    """Predict ``image`` (a path, an :class:`~i2i.image.Image` or an array) with ``model``.

    ``model`` is a :class:`Predictor`, or a weights file, run folder or zoo name given to
    :func:`load_predictor` with ``options`` (``tile_size``, ``device``, ``tta`` ...). With
    ``out`` the result is written there and its path returned; otherwise it is returned as a
    float32 array.
    """
    predictor = model if isinstance(model, Predictor) else load_predictor(model, **options)
    return predictor.predict(image, out=out)
