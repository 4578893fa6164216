"""One prediction of the widget: layers in, organelle layers out (no napari import).

The input is one layer (its z-planes chosen when it is a stack) or several single-plane layers
in the order given, which become the model's z-planes when the model reads a list of planes
and its channels otherwise. The model input is an :class:`~i2i.image.ArrayImage` over them, so
the prediction is exactly the :class:`~i2i.prediction.Predictor`'s (``i2i predict``'s). The
outputs are one layer per predicted channel with the input's scale and translation, additive
blending, a colormap per organelle and contrast limits from percentiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from i2i.contract import ContractError, InputContract
from i2i.image import ArrayImage, PixelSizes
from i2i.prediction import Predictor
from i2i.prediction.tta import TTAMode
from i2i.tiling import Tiling
from i2i_plugins.napari_i2i.layers import scale_pixel_sizes
from i2i_plugins.napari_i2i.reader import LayerData

CONTRAST_PERCENTILES = (1.0, 99.9)
"""Percentiles of a predicted layer that become its contrast limits."""

ORGANELLE_COLORMAPS = {
    "nucleus": "cyan",
    "dna": "cyan",
    "dapi": "cyan",
    "mitochondria": "magenta",
    "mito": "magenta",
    "actin": "green",
    "tubulin": "yellow",
    "er": "red",
    "rna": "bop orange",
    "agp": "bop blue",
}
"""napari colormaps of the organelles i2i's models predict; others get the next free one."""

OTHER_COLORMAPS = ("green", "magenta", "yellow", "cyan", "red", "blue")

PIXEL_SIZE_NOTE_RATIO = 1.1
"""A layer pixel size this far (either way) from the model's gets a note in the widget."""


class PredictionCancelled(Exception):
    """Raised from the tile callback when the user cancels; the prediction stops."""


@dataclass(frozen=True)
class InputLayer:
    """What the job needs of an input layer: its data, dims, scale and translation."""

    name: str
    data: Any
    axes: list[str]
    scale: list[float]
    translate: list[float]

    @property
    def pixel_sizes(self) -> PixelSizes:
        """The layer's pixel sizes (a scale of 1 is unknown)."""
        return scale_pixel_sizes(self.axes, self.scale)


@dataclass(frozen=True)
class PredictionRequest:
    """Everything the user chose: inputs, planes, tiling, TTA, device."""

    layers: Sequence[InputLayer]
    planes: list[int] | None
    """Z-planes of a single stack layer, in the order given; ``None``: all of them."""
    tiling: Tiling
    tta: bool | TTAMode = False
    device: str = "auto"


def model_input(request: PredictionRequest, contract: InputContract) -> ArrayImage:
    """The model's input image, checked against what ``contract`` reads (clear messages)."""
    layers = request.layers
    if not layers:
        raise ContractError("No input layer chosen: pick the image layer(s) to predict from.")
    if len(layers) == 1:
        image = _stack_input(layers[0], request.planes, contract)
    else:
        image = _layers_input(layers, contract)
    _check_counts(image, contract, [layer.name for layer in layers])
    return image


def _stack_input(
    layer: InputLayer, planes: list[int] | None, contract: InputContract
) -> ArrayImage:
    data, axes = layer.data, list(layer.axes)
    if planes is not None:
        if "Z" not in axes:
            raise ContractError(
                f"Layer {layer.name!r} has no z-planes to choose from (axes {axes}); clear "
                "'planes' or pick a z-stack layer."
            )
        size_z = np.shape(data)[axes.index("Z")]
        bad = [z for z in planes if not 0 <= z < size_z]
        if bad:
            raise ContractError(
                f"Planes {bad} of layer {layer.name!r} do not exist: it has {size_z} "
                f"plane(s), 0-{size_z - 1}. Fix 'planes'."
            )
        data = np.take(np.asarray(data), planes, axis=axes.index("Z"))
    names = _channel_names(contract, 1)
    return ArrayImage(data, dims="".join(axes), channel_names=names, pixel_sizes=layer.pixel_sizes)


def _layers_input(layers: Sequence[InputLayer], contract: InputContract) -> ArrayImage:
    stacked = [layer for layer in layers if layer.axes != ["Y", "X"]]
    if stacked:
        raise ContractError(
            f"Layer {stacked[0].name!r} has axes {stacked[0].axes}; several input layers must "
            "each be one plane (Y, X). Choose one stack layer instead, with its planes."
        )
    shapes = {np.shape(layer.data) for layer in layers}
    if len(shapes) != 1:
        raise ContractError(
            "The input layers differ in size ("
            + ", ".join(f"{layer.name!r} {np.shape(layer.data)}" for layer in layers)
            + "); choose layers of one field."
        )
    data = np.stack([np.asarray(layer.data) for layer in layers])
    along = "Z" if isinstance(contract.z_planes, list) else "C"
    names = _channel_names(contract, len(layers) if along == "C" else 1)
    return ArrayImage(
        data, dims=f"{along}YX", channel_names=names, pixel_sizes=layers[0].pixel_sizes
    )


def _channel_names(contract: InputContract, count: int) -> list[str] | None:
    """The model's channel names for ``count`` image channels in model order, if it names them."""
    channels = contract.input_channels
    if channels is not None and len(channels) == count:
        return [str(c) if isinstance(c, str) else f"C{c}" for c in channels]
    return None


def _check_counts(image: ArrayImage, contract: InputContract, names: list[str]) -> None:
    size_c, size_z = image.shape[1], image.shape[2]
    given = f"the chosen input ({', '.join(repr(n) for n in names)}) gives"
    if isinstance(contract.z_planes, list):
        needed = max(contract.z_planes) + 1
        if size_z < needed:
            raise ContractError(
                f"The model reads {len(contract.z_planes)} z-planes (planes "
                f"{contract.z_planes[0]}-{contract.z_planes[-1]} of a stack); {given} "
                f"{size_z}. Choose a stack layer with {needed} planes, or {needed} "
                "single-plane layers in depth order."
            )
    channels = contract.input_channels
    if channels is not None and size_c != len(channels):
        raise ContractError(
            f"The model takes {len(channels)} input channel(s) ({', '.join(map(str, channels))}); "
            f"{given} {size_c}. Choose {len(channels)} layers in this order."
        )


def pixel_size_note(layer: InputLayer, contract: InputContract, rescale: bool) -> str | None:
    """A note when the layer's pixel size is far from the model's (or unknown), else None."""
    target = contract.pixel_size_um
    if target is None:
        return None
    size = layer.pixel_sizes.x
    if size is None:
        return (
            f"The layer's pixel size is unknown (scale 1); the model was trained at {target:g} "
            "µm per pixel. Set the layer's scale if they differ."
        )
    if max(size / target, target / size) < PIXEL_SIZE_NOTE_RATIO:
        return None
    action = (
        "the input is rescaled to the model's pixel size ('rescale' is on)"
        if rescale
        else "turn on 'rescale' to resample the input to it"
    )
    return f"The layer's pixel size {size:g} µm differs from the model's {target:g} µm: {action}."


def run_prediction(
    predictor: Predictor,
    request: PredictionRequest,
    names: Sequence[str],
    on_tile: Callable[[int, int], None] | None = None,
) -> list[LayerData]:
    """Predict ``request`` with ``predictor``'s model and contract; one layer per output."""
    image = model_input(request, predictor.contract)
    configured = Predictor(
        predictor.model,
        predictor.contract,
        device=request.device,
        tiling=request.tiling,
        tta=request.tta,
    )
    result = configured.predict(image, on_tile=on_tile)
    assert isinstance(result, np.ndarray)
    return output_layers(result, request.layers[0], names)


def output_layers(
    result: npt.NDArray[np.float32], source: InputLayer, names: Sequence[str]
) -> list[LayerData]:
    """Layers of a (T, C, Z, Y, X) prediction, placed like ``source``."""
    keep_t = "T" in source.axes
    keep_z = result.shape[2] > 1
    axes = [a for a, keep in (("T", keep_t), ("Z", keep_z)) if keep] + ["Y", "X"]
    position = {axis: index for index, axis in enumerate(source.axes)}
    scale = [source.scale[position[a]] if a in position else 1.0 for a in axes]
    translate = [source.translate[position[a]] if a in position else 0.0 for a in axes]
    colormaps = organelle_colormaps(names)
    layers: list[LayerData] = []
    for index, name in enumerate(names):
        data = result[:, index]  # (T, Z, Y, X)
        data = data if keep_t else data[0]
        data = data if keep_z else data[..., 0, :, :]
        low, high = np.percentile(data, CONTRAST_PERCENTILES)
        attributes = {
            "name": name,
            "scale": scale,
            "translate": translate,
            "blending": "additive",
            "colormap": colormaps[index],
            "contrast_limits": (float(low), float(high) if high > low else float(low) + 1.0),
            "metadata": {"i2i": {"axes": axes}},
        }
        layers.append((data, attributes, "image"))
    return layers


def organelle_colormaps(names: Sequence[str]) -> list[str]:
    """A colormap per output name: the organelle's, else the next one not yet used."""
    known = [ORGANELLE_COLORMAPS.get(name.lower()) for name in names]
    spare = iter([c for c in OTHER_COLORMAPS if c not in known])
    return [colormap or next(spare, "gray") for colormap in known]


class PlanesError(ContractError):
    """The 'planes' text of the widget is not a list of plane numbers."""


def parse_planes(text: str) -> list[int] | None:
    """Plane numbers from ``"0-12"``, ``"0, 2, 4"`` or ``"3-5, 8"``; blank or ``all``: None."""
    text = text.strip()
    if text in ("", "all"):
        return None
    planes: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            numbers = range(int(first), int(last) + 1) if dash else [int(first)]
        except ValueError:
            raise PlanesError(
                f"planes {text!r}: {part.strip()!r} is not a plane number or range. Write "
                "e.g. '0-12', '0, 2, 4' or 'all'."
            ) from None
        planes.extend(numbers)
    if not planes:
        raise PlanesError(f"planes {text!r}: the range is empty; write e.g. '0-12'.")
    return planes
