"""Is the input layer at the model's pixel size? Told before the run (no napari import).

A layer's pixel size comes from its scale and units (:func:`~.layers.scale_pixel_sizes`); the
model's from its input contract, or its zoo card while the weights are not downloaded yet. When
both are known and differ by :data:`PIXEL_SIZE_RATIO` or more, the widget asks whether to
rescale the input (its 'rescale' option off) or says that it will (option on).
"""

from __future__ import annotations

from dataclasses import dataclass

from i2i_plugins.napari_i2i.job import InputLayer

PIXEL_SIZE_RATIO = 1.1
"""A layer pixel size this far (either way) from the model's is told before the run."""


@dataclass(frozen=True)
class PixelSizeMismatch:
    """The input layer's pixel size and the model's, far apart (µm per pixel)."""

    layer: str
    size: float
    target: float

    def question(self) -> str:
        """The widget's question before a run without rescaling."""
        return (
            f"Layer {self.layer!r} has {self.size:g} µm pixels; the model was trained at "
            f"{self.target:g} µm. Rescale the input to the model's pixel size before predicting?"
        )


def pixel_size_mismatch(layer: InputLayer, target: float | None) -> PixelSizeMismatch | None:
    """The mismatch of ``layer``'s x pixel size and ``target``, if both are known and far."""
    size = layer.pixel_sizes.x
    if target is None or size is None or max(size / target, target / size) < PIXEL_SIZE_RATIO:
        return None
    return PixelSizeMismatch(layer.name, size, target)


def pixel_size_note(layer: InputLayer, target: float | None, rescale: bool) -> str | None:
    """What the run does about the pixel size, when there is something to say."""
    if target is None:
        return None
    if layer.pixel_sizes.x is None:
        return (
            f"The layer's pixel size is unknown (scale 1); the model was trained at {target:g} "
            "µm per pixel. Set the layer's scale if they differ."
        )
    mismatch = pixel_size_mismatch(layer, target)
    if mismatch is None:
        return None
    size = f"{mismatch.size:g}"
    if rescale:
        return f"The input is rescaled from {size} to the model's {target:g} µm per pixel."
    return f"The input is predicted as is, at {size} µm per pixel (the model's: {target:g})."
