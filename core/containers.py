"""Inputs that hold many images, such as an HCS plate: what the ``i2i_open_container`` hook returns.

``i2i info``, ``i2i predict`` and ``i2i evaluate`` offer each path they are given to the hook
before they treat it as an image or a folder of images. A plugin that recognises the path
returns an :class:`ImageContainer`, which does the command's work its own way (a plate is
predicted field by field into an output plate); the core knows only this protocol and the
records it exchanges. Standard library only, so the hook specifications can name them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from i2i.shards import WHOLE, Shard


@dataclass(frozen=True)
class ContainerPrediction:
    """What ``i2i predict CONTAINER`` was asked to do, options checked by the command."""

    model: str
    """The model as given (weights, run folder, package or zoo name)."""
    out: Path | None
    """The output container; ``None`` with ``--into`` (write into the input itself)."""
    device: str = "auto"
    shard: Shard = WHOLE
    """This job's slice of the container's images (``--shard I/N``)."""
    zarr_format: int | None = None
    writer_options: Mapping[str, object] = field(default_factory=dict)
    """``--writer-option KEY=VALUE`` values, parsed as YAML scalars."""
    overwrite: bool = False
    predictor_options: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments of :func:`i2i.prediction.load_predictor` (tile_size, tta, bf16...)."""

    @property
    def into(self) -> bool:
        """Whether the predictions go into the input container (``--into``)."""
        return self.out is None


@dataclass(frozen=True)
class ContainerPredicted:
    """What one process did of a container's prediction."""

    output: Path
    """The container written (the input itself with ``--into``)."""
    unit: str
    """What one image of the container is called in messages (``"field"``)."""
    predicted: int
    skipped: int
    """Images already written (complete), not written again."""
    total: int
    """The images of this shard, whichever process predicted them."""
    complete: bool
    """Whether every image of the whole container is written now."""


@dataclass(frozen=True)
class ContainerEvaluation:
    """What ``i2i evaluate --pred CONTAINER --target TARGET`` was asked to do."""

    target: Path
    out: Path
    metrics: list[str] | None = None
    metric_set: str | None = None
    normalize: str = "challenge"
    device: str = "auto"


@dataclass(frozen=True)
class ContainerEvaluated:
    """What an evaluation wrote and found."""

    report: Path
    """The ``report.md`` written (tables and figures beside it)."""
    scored: int
    """The (image, channel) pairs scored."""
    summary: list[dict[str, Any]]
    """Mean scores per channel, JSON-ready records (``i2i evaluate --json`` prints them)."""


@runtime_checkable
class ImageContainer(Protocol):
    """A path holding many images that a plugin reads, predicts and scores as one input.

    Implementations raise an :class:`i2i.errors.I2IError` for a request they cannot carry out
    (an option they do not support, a layout that does not fit), naming the path and the
    option, before they write anything.
    """

    @property
    def path(self) -> Path:
        """Where the container is."""
        ...

    @property
    def kind(self) -> str:
        """What the container is, for messages (``"HCS plate"``)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What it holds, JSON-ready (``i2i info --json``); ``path`` and ``kind`` included."""
        ...

    def summary(self) -> str:
        """What it holds as aligned lines, like ``i2i info`` prints for an image."""
        ...

    def predict(
        self,
        request: ContainerPrediction,
        on_done: Callable[[Path, bool], None],
        on_incomplete: Callable[[Path, str], None],
    ) -> ContainerPredicted:
        """Predict this process's share of the request's shard, resumably.

        ``on_done(image_output, skipped)`` after each image; ``on_incomplete(image_output,
        reason)`` before a partial output found there is predicted again.
        """
        ...

    def evaluate(self, request: ContainerEvaluation) -> ContainerEvaluated:
        """Score this container's predictions against ``request.target``; write the report."""
        ...
