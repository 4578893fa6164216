"""One prediction of the widget: layers in, organelle layers out (no napari import).

The input is one layer (its z-planes chosen when it is a stack, its time point and channels
when it has T and C axes) or several single-plane layers in the order given, which become the
model's z-planes when the model reads a list of planes and its channels otherwise. An RGB layer
gives its red, green and blue as three channels, or one grey plane (Rec. 709 luma) to a model
that reads one. The model input is an :class:`~i2i.image.ArrayImage` over them, so the
prediction is exactly the :class:`~i2i.prediction.Predictor`'s (``i2i predict``'s). The
outputs are one layer per predicted channel with the input's scale and translation, additive
blending, a colormap per organelle and contrast limits from percentiles. A layer's pixel size
far from the model's is told before the run (:func:`pixel_size_mismatch`).
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

LUMA_WEIGHTS = (0.2126, 0.7152, 0.0722)
"""Rec. 709 luma (ITU-R BT.709-6, 2015): the grey plane of an RGB layer for a one-channel model."""


class PredictionCancelled(Exception):
    """Raised from the tile callback when the user cancels; the prediction stops."""


@dataclass(frozen=True)
class InputLayer:
    """What the job needs of an input layer: its data, dims, scale, units and translation.

    ``axes`` name the layer's dims without an RGB layer's colour axis, which is the data's last
    axis when ``rgb`` is set (napari's RGB layout: (..., Y, X, 3 or 4)).
    """

    name: str
    data: Any
    axes: list[str]
    scale: list[float]
    translate: list[float]
    units: Sequence[str] = ()
    rgb: bool = False

    @property
    def pixel_sizes(self) -> PixelSizes:
        """The layer's pixel sizes (see :func:`~.layers.scale_pixel_sizes`)."""
        return scale_pixel_sizes(self.axes, self.scale, self.units)


@dataclass(frozen=True)
class PredictionRequest:
    """Everything the user chose: inputs, planes, time point, channels, tiling, TTA, device."""

    layers: Sequence[InputLayer]
    planes: list[int] | None
    """Z-planes of a single stack layer, in the order given; ``None``: all of them."""
    tiling: Tiling
    tta: bool | TTAMode = False
    device: str = "auto"
    time_point: int | None = None
    """The time point of a layer with a T axis; ``None``: every time point."""
    channels: list[int] | None = None
    """Channels of a layer with a C axis, in model order; ``None``: all of them."""


def model_input(request: PredictionRequest, contract: InputContract) -> ArrayImage:
    """The model's input image, checked against what ``contract`` reads (clear messages)."""
    layers = request.layers
    if not layers:
        raise ContractError("No input layer chosen: pick the image layer(s) to predict from.")
    if len(layers) == 1:
        image = _stack_input(layers[0], request, contract)
    else:
        image = _layers_input(layers, contract)
    _check_counts(image, contract, [layer.name for layer in layers])
    return image


def input_notes(request: PredictionRequest, contract: InputContract) -> list[str]:
    """What the widget says about how the chosen layer becomes the model's input."""
    layer = request.layers[0] if len(request.layers) == 1 else None
    if layer is None or not layer.rgb:
        return []
    if _rgb_as_grey(contract):
        return [f"RGB layer {layer.name!r} is made one grey plane (Rec. 709 luma) for the model."]
    return [f"RGB layer {layer.name!r}: red, green and blue are the model's 3 channels."]


def _stack_input(
    layer: InputLayer, request: PredictionRequest, contract: InputContract
) -> ArrayImage:
    data, axes = layer.data, list(layer.axes)  # numpy or dask: taken lazily
    if request.time_point is not None:
        data, axes = _take_time_point(layer, data, axes, request.time_point)
    if request.planes is not None:
        data = _take_planes(layer, data, axes, request.planes)
    if layer.rgb:
        data, axes = _rgb_channels(layer, data, axes, contract)
    elif "C" in axes:
        data = _take_channels(layer, data, axes, request.channels, contract)
    size_c = data.shape[axes.index("C")] if "C" in axes else 1
    names = _channel_names(contract, size_c)
    return ArrayImage(data, dims="".join(axes), channel_names=names, pixel_sizes=layer.pixel_sizes)


def _take_time_point(
    layer: InputLayer, data: Any, axes: list[str], time_point: int
) -> tuple[Any, list[str]]:
    if "T" not in axes:
        raise ContractError(
            f"Layer {layer.name!r} has no time points (axes {axes}); clear 'time point'."
        )
    size_t = data.shape[axes.index("T")]
    if not 0 <= time_point < size_t:
        raise ContractError(
            f"Time point {time_point} of layer {layer.name!r} does not exist: it has {size_t}, "
            f"0-{size_t - 1}. Fix 'time point'."
        )
    return np.take(data, [time_point], axis=axes.index("T")), axes


def _take_planes(layer: InputLayer, data: Any, axes: list[str], planes: list[int]) -> Any:
    if "Z" not in axes:
        raise ContractError(
            f"Layer {layer.name!r} has no z-planes to choose from (axes {axes}); clear "
            "'planes' or pick a z-stack layer."
        )
    size_z = data.shape[axes.index("Z")]
    bad = [z for z in planes if not 0 <= z < size_z]
    if bad:
        raise ContractError(
            f"Planes {bad} of layer {layer.name!r} do not exist: it has {size_z} "
            f"plane(s), 0-{size_z - 1}. Fix 'planes'."
        )
    return np.take(data, planes, axis=axes.index("Z"))


def _take_channels(
    layer: InputLayer,
    data: Any,
    axes: list[str],
    channels: list[int] | None,
    contract: InputContract,
) -> Any:
    axis = axes.index("C")
    size_c = data.shape[axis]
    if channels is not None:
        bad = [c for c in channels if not 0 <= c < size_c]
        if bad:
            raise ContractError(
                f"Channels {bad} of layer {layer.name!r} do not exist: it has {size_c} "
                f"channel(s), 0-{size_c - 1}. Fix 'channels'."
            )
        return np.take(data, channels, axis=axis)
    needed = len(contract.input_channels) if contract.input_channels is not None else 1
    if size_c != needed:
        raise ContractError(
            f"Layer {layer.name!r} has {size_c} channels (its C axis) and the model takes "
            f"{needed}: choose {'one' if needed == 1 else needed} in 'channels' (e.g. "
            f"{'0' if needed == 1 else f'0-{needed - 1}'})."
        )
    return data


def _rgb_as_grey(contract: InputContract) -> bool:
    channels = contract.input_channels
    return channels is None or len(channels) == 1


def _rgb_channels(
    layer: InputLayer, data: Any, axes: list[str], contract: InputContract
) -> tuple[Any, list[str]]:
    """An RGB(A) layer's (..., Y, X, S) data as (..., C, Z?, Y, X): 3 channels, or 1 grey."""
    channels = contract.input_channels
    rgb = data[..., :3].astype(np.float32)  # (..., Y, X, 3); an alpha channel is dropped
    if _rgb_as_grey(contract):
        return rgb @ np.asarray(LUMA_WEIGHTS, np.float32), axes  # (..., Y, X)
    if channels is not None and len(channels) != 3:
        raise ContractError(
            f"The model takes {len(channels)} input channel(s) ({', '.join(map(str, channels))}); "
            f"RGB layer {layer.name!r} gives 3 (or one grey plane). Choose {len(channels)} "
            "single-plane layers instead."
        )
    at = 1 if axes[0] == "T" else 0  # C goes after T, before Z, Y, X
    return np.moveaxis(rgb, -1, at), [*axes[:at], "C", *axes[at:]]


def _layers_input(layers: Sequence[InputLayer], contract: InputContract) -> ArrayImage:
    stacked = [layer for layer in layers if layer.axes != ["Y", "X"] or layer.rgb]
    if stacked:
        kind = "is RGB" if stacked[0].rgb else f"has axes {stacked[0].axes}"
        raise ContractError(
            f"Layer {stacked[0].name!r} {kind}; several input layers must each be one grey "
            "plane (Y, X). Choose one stack or RGB layer on its own instead."
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
    return output_layers(result, request.layers[0], names, request.time_point)


def output_layers(
    result: npt.NDArray[np.float32],
    source: InputLayer,
    names: Sequence[str],
    time_point: int | None = None,
) -> list[LayerData]:
    """Layers of a (T, C, Z, Y, X) prediction, placed like ``source`` (the prediction of one
    ``time_point`` of it at that time point)."""
    keep_t = "T" in source.axes
    keep_z = result.shape[2] > 1
    axes = [a for a, keep in (("T", keep_t), ("Z", keep_z)) if keep] + ["Y", "X"]
    position = {axis: index for index, axis in enumerate(source.axes)}
    scale = [source.scale[position[a]] if a in position else 1.0 for a in axes]
    translate = [source.translate[position[a]] if a in position else 0.0 for a in axes]
    given = [str(unit) for unit in source.units] or ["pixel"] * len(source.axes)
    units = [given[position[a]] if a in position else "pixel" for a in axes]
    if keep_t and time_point is not None:
        translate[0] += time_point * scale[0]
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
            "units": units,
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


class FieldTextError(ContractError):
    """A text field of the widget ('planes', 'channels', 'time point') does not parse."""


def parse_planes(text: str, field: str = "planes") -> list[int] | None:
    """Numbers from ``"0-12"``, ``"0, 2, 4"`` or ``"3-5, 8"``; blank or ``all``: None."""
    text = text.strip()
    if text in ("", "all"):
        return None
    numbers: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            numbers.extend(range(int(first), int(last) + 1) if dash else [int(first)])
        except ValueError:
            raise FieldTextError(
                f"{field} {text!r}: {part.strip()!r} is not a number or range. Write "
                "e.g. '0-12', '0, 2, 4' or 'all'."
            ) from None
    if not numbers:
        raise FieldTextError(f"{field} {text!r}: the range is empty; write e.g. '0-12'.")
    return numbers


def parse_time_point(text: str) -> int | None:
    """One time point from ``"3"``; blank or ``all``: None (every time point)."""
    text = text.strip()
    if text in ("", "all"):
        return None
    try:
        return int(text)
    except ValueError:
        raise FieldTextError(
            f"time point {text!r} is not a number: write one time point (e.g. '0'), or leave "
            "it blank for all of them."
        ) from None
