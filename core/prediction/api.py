"""The one-call Python API: ``i2i.predict(image, model=...)``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from i2i.image import Image, Sink
from i2i.prediction.loading import load_predictor
from i2i.prediction.predictor import Predictor

if TYPE_CHECKING:
    from typing import Unpack

    from i2i.prediction.loading import LoadOptions


def predict(
    image: Image | str | Path | npt.ArrayLike,
    model: str | Path | Predictor,
    out: str | Path | Sink | None = None,
    **options: Unpack[LoadOptions],
) -> npt.NDArray[np.float32] | Path | Sink:
    """Predict ``image`` (a path, an :class:`~i2i.image.Image` or an array) with ``model``.

    ``model`` is a :class:`Predictor`, or a weights file, run folder or zoo name given to
    :func:`load_predictor` with ``options`` (``tile_size``, ``device``, ``tta`` ...). With
    ``out`` the result is written there and its path returned; otherwise it is returned as a
    float32 array.
    """
    predictor = model if isinstance(model, Predictor) else load_predictor(model, **options)
    return predictor.predict(image, out=out)
