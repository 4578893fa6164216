"""What the model-format hooks exchange: export requests, exporters and opened model packages.

``i2i zoo export --format NAME`` hands an :class:`ExportRequest` to the :class:`ModelExporter`
called ``NAME`` (i2i's own ``i2i`` format, or one a plugin returns from
``i2i_model_exporters``); ``i2i predict -m PATH`` asks the ``i2i_open_model_package`` hook to
turn a path that is not i2i weights (a bioimage.io package, say) into a :class:`ModelPackage`
(with the :class:`PackageCard` it carries, shown where the model is chosen).
These are plain records, importable without torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ExportRequest:
    """What ``i2i zoo export`` was asked to write, with the weights already resolved."""

    source: Path
    """The run folder or weights file as given."""
    weights: Path
    """The ``.safetensors`` file to export (a run folder's ``best``, else ``last``)."""
    out_dir: Path
    """The folder to write into."""
    name: str
    """The model's name (zoo name; the stem of every file written)."""
    licence: str = "NOASSERTION"
    citation: str = ""
    description: str | None = None
    modality: list[str] | None = None
    authors: list[str] = field(default_factory=list)
    test_image: Path | None = None
    """A real image to make test data from (default: the run's first validation field)."""
    weight_formats: list[str] | None = None
    """Weight formats a package should carry; ``None``: every one that works for the model."""
    zip: bool = True
    """Write a package as one zip file (``False``: a folder)."""
    base_url: str | None = None


@dataclass(frozen=True)
class ModelExporter:
    """A format ``i2i zoo export --format NAME`` can write.

    ``export`` is called with the :class:`ExportRequest` and returns the paths it wrote, the
    main one first; give it as a ``"module:function"`` string so that listing formats imports
    nothing heavy.
    """

    name: str
    description: str
    export: Callable[[ExportRequest], list[Path]] | str

    def resolve(self) -> Callable[[ExportRequest], list[Path]]:
        """The export function, importing its module if it was given as a string."""
        if callable(self.export):
            return self.export
        module_name, _, attribute = self.export.partition(":")
        function: Callable[[ExportRequest], list[Path]] = getattr(
            importlib.import_module(module_name), attribute
        )
        return function


@dataclass(frozen=True)
class PackageCard:
    """What a model package tells people about its model: the facts of the i2i zoo card it
    carries (:class:`i2i.zoo.ModelCard`, which ``i2i zoo export`` writes into a package) and
    the package's authors."""

    name: str
    description: str
    organelles: tuple[str, ...]
    """The predicted channels, in order: the names of the output layers or channels."""
    modality: tuple[str, ...]
    """The input's imaging modality (phase-contrast, bright-field...)."""
    input_channels: tuple[str, ...]
    """The input channels, in words."""
    pixel_size_um: float | None
    """The pixel size (µm) of the training images; ``None`` when unknown."""
    licence: str
    """The licence of the weights (SPDX identifier)."""
    citation: str = ""
    """What to cite when using the model."""
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelPackage:
    """A model opened from a package: what :func:`i2i.prediction.load_predictor` needs.

    ``model`` maps (B, C_in, H, W) to (B, C_out, H, W) (or a tuple whose first element is
    that); ``metadata`` has the keys of i2i weights metadata that prediction reads:
    ``input_contract`` (an :class:`i2i.contract.InputContract` as a mapping) and ``recipe``
    (at least its ``predict`` section, for tiling and writer defaults).
    """

    model: nn.Module
    metadata: Mapping[str, object]
    source: str
    """What was opened, for messages: the package path and the weight format run."""
    card: PackageCard | None = None
    """What the package says about its model; ``None`` when it says nothing i2i reads."""
