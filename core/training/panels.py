"""Sample panels written as PNG at each validation (``samples/step_N.png``) and logged to
TensorBoard.

One row per sample and output channel, five labelled columns: the input plane shown (named:
channel and z-plane, and which of the model's input planes it is; the middle one of a z-stack,
the plane in best focus more often than the first), the target, the prediction, an overlay of
prediction (magenta) on target (green), where white means both agree and colour shows which
one is brighter, and a crop of the overlay at full resolution (one image pixel per screen
pixel) around the brightest part of the target. The title gives the step and the validation
metric of the best-model choice (``train.best_metric``). Each image is scaled to its own
2–99.8 percentile range with the display helpers of the evaluation report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from i2i.atomic import atomic_output
from i2i.contract import InputContract
from i2i.evaluate.panels import display_scale, shrink, to_uint8

if TYPE_CHECKING:
    from accelerate import Accelerator
    from matplotlib.figure import Figure

CELL_PIXELS = 192
"""Shown side of each image of a panel (pixels); the crop is this many image pixels wide."""

DPI = 100
TENSORBOARD_TAG = "samples"
"""The TensorBoard image tag of the panels (the Images tab, one slider step per validation)."""


@dataclass(frozen=True)
class PanelCaption:
    """What a panel says besides its images."""

    step: int
    input_names: Sequence[str]
    """One name per model input channel."""
    output_names: Sequence[str]
    """One name per predicted channel."""
    metrics: Mapping[str, float] = field(default_factory=dict)
    """Validation values shown in the title (``val/<metric>`` keys)."""


def input_plane_names(contract: InputContract, count: int) -> list[str]:
    """Names of the ``count`` model input channels: ``PHASE z3`` (channel-major, as the data
    pipeline stacks them), the channel alone with one plane per sample, ``input i`` when the
    contract does not say."""
    channels = [str(c) for c in contract.input_channels or []]
    planes = contract.z_planes
    if isinstance(planes, list):
        names = [f"{c} z{z}" for c in channels for z in planes]
    else:
        names = channels
    return names if len(names) == count else [f"input {i}" for i in range(count)]


def panel_image(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    predictions: torch.Tensor,
    caption: PanelCaption,
    max_rows: int = 4,
) -> np.ndarray:
    """inputs (B, Cin, H, W), targets and predictions (B, Cout, H, W) → an RGB (h, w, 3) uint8
    panel; at most ``max_rows`` rows (samples × output channels, at least one sample)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = panel_figure(inputs, targets, predictions, caption, max_rows)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def panel_figure(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    predictions: torch.Tensor,
    caption: PanelCaption,
    max_rows: int = 4,
) -> Figure:
    """The labelled panel figure that :func:`panel_image` renders."""
    from matplotlib.figure import Figure

    channels = targets.shape[1]
    samples = min(inputs.shape[0], max(1, max_rows // channels))
    shown_input = inputs.shape[1] // 2
    input_name = _name(caption.input_names, shown_input, "input")
    height, width = targets.shape[-2:]
    shown_height = CELL_PIXELS * min(height / width, 3.0)
    titles = [
        f"input: {input_name}\n(plane {shown_input + 1} of {inputs.shape[1]})",
        "target",
        "prediction",
        "overlay\nmagenta: prediction, green: target",
        f"crop at full resolution\n({min(CELL_PIXELS, width)}×{min(CELL_PIXELS, height)} px)",
    ]
    rows = samples * channels
    figure = Figure(
        figsize=(len(titles) * CELL_PIXELS / DPI, rows * shown_height / DPI + 1.2),
        dpi=DPI,
        layout="constrained",
    )
    axes = figure.subplots(rows, len(titles), squeeze=False)
    for sample in range(samples):
        shown = _plane(inputs[sample, shown_input])
        for channel in range(channels):
            row = sample * channels + channel
            target, prediction = (
                _plane(targets[sample, channel]),
                _plane(predictions[sample, channel]),
            )
            overlay = _overlay(prediction, target)
            images = [shown, target, prediction, overlay, _crop(overlay, target)]
            for column, image in enumerate(images):
                axis = axes[row, column]
                axis.imshow(_shrunk(image), cmap="gray", vmin=0, vmax=255)
                axis.set_xticks([])
                axis.set_yticks([])
                if row == 0:
                    axis.set_title(titles[column], fontsize=8)
            axes[row, 0].set_ylabel(
                f"sample {sample + 1}\n{_name(caption.output_names, channel, 'output')}",
                fontsize=8,
            )
    figure.suptitle(_title(caption), fontsize=10)
    return figure


def _name(names: Sequence[str], index: int, kind: str) -> str:
    """``names[index]``, or ``input 3`` when the names do not cover the tensor's channels."""
    return names[index] if index < len(names) else f"{kind} {index}"


def _title(caption: PanelCaption) -> str:
    values = ", ".join(f"{k.removeprefix('val/')} {v:.4g}" for k, v in caption.metrics.items())
    return f"step {caption.step}" + (f": validation {values}" if values else "")


def _plane(plane: torch.Tensor) -> np.ndarray:
    """A (H, W) plane scaled to 0..255 (float, full resolution)."""
    return to_uint8(display_scale(plane.detach().float().cpu().numpy())).astype(np.float64)


def _overlay(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """RGB (H, W, 3): prediction in red and blue (magenta), target in green."""
    return np.stack([prediction, target, prediction], axis=-1)


def _crop(image: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The ``CELL_PIXELS`` square of ``image`` around the brightest block of ``target``."""
    height, width = target.shape
    size_y, size_x = min(CELL_PIXELS, height), min(CELL_PIXELS, width)
    coarse = shrink(target, 16)
    by, bx = np.unravel_index(int(np.argmax(coarse)), coarse.shape)
    factor_y, factor_x = height / coarse.shape[0], width / coarse.shape[1]
    top = int(np.clip((by + 0.5) * factor_y - size_y / 2, 0, height - size_y))
    left = int(np.clip((bx + 0.5) * factor_x - size_x / 2, 0, width - size_x))
    return image[top : top + size_y, left : left + size_x]


def _shrunk(image: np.ndarray) -> np.ndarray:
    """``image`` block-averaged to at most ``CELL_PIXELS`` a side (RGB per channel), uint8."""
    if image.ndim == 2:
        return shrink(image, CELL_PIXELS).round().astype(np.uint8)
    return np.stack([_shrunk(image[..., c]) for c in range(image.shape[-1])], axis=-1)


def write_panel(path: Path, image: np.ndarray) -> None:
    """Write a uint8 (H, W) or (H, W, 3) image as PNG, atomically."""
    from PIL import Image

    with atomic_output(path) as temporary:
        Image.fromarray(image).save(temporary, format="PNG")


def log_panel(accelerator: Accelerator, image: np.ndarray, step: int) -> None:
    """Log the panel to the TensorBoard tracker of ``train.trackers``, when there is one."""
    for tracker in accelerator.trackers:
        if tracker.name == "tensorboard":
            tracker.log_images({TENSORBOARD_TAG: image[None]}, step=step, dataformats="NHWC")
