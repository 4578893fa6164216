"""What the evaluation-extension hook exchanges: extensions, image pairs, inputs and reports.

A plugin returns :class:`EvaluationExtension` records from the ``i2i_evaluation_extensions``
hook; :mod:`i2i.installed_extensions` finds them and validates their parameters (for
``i2i evaluate`` and recipe validation alike); :mod:`i2i.evaluate.extensions` runs them and
adds their reports to the evaluation's. These are plain records, importable without torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, ValidationError

from i2i.errors import I2IError, validation_problems

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

INPUT_OPTIONS: dict[str, str] = {
    "labels": "--labels",
    "predicted_labels": "--pred-labels",
    "conditions": "--conditions",
}
"""The optional inputs of :class:`ExtensionInputs` and the ``i2i evaluate`` option of each."""


class ExtensionError(I2IError):
    """An evaluation extension is unknown, not installed, provided twice or given bad input."""


@dataclass(frozen=True)
class ImagePair:
    """One prediction and its real target, every channel: what an extension evaluates."""

    name: str
    """The prediction's path relative to its folder (the ``image`` column of ``per_image.csv``);
    in a run's final evaluation, the field's name."""
    channels: tuple[str, ...]
    """The organelle of each channel (``Nucleus``, ``DAPI``...)."""
    real: npt.NDArray[np.generic]
    """(C, H, W) the real stain."""
    predicted: npt.NDArray[np.generic]
    """(C, H, W) the predicted stain."""
    target: Path | None = None
    """The target file relative to the target folder (``None`` for images in memory)."""
    prediction: Path | None = None
    """The prediction file relative to the prediction folder (``None`` in memory)."""
    target_dir: Path | None = None
    """The target folder ``target`` is relative to (``None`` in memory): where an extension
    finds the field's other files (the Light My Cells layout keeps one organelle per file)."""
    prediction_dir: Path | None = None
    """The prediction folder ``prediction`` is relative to (``None`` in memory)."""


@dataclass(frozen=True)
class ExtensionInputs:
    """Where an extension writes, and the optional files the user gave it."""

    out_dir: Path
    """The extension's own folder, ``<evaluation>/<name>/``, for its tables and figures."""
    report_dir: Path
    """The folder of ``report.md``: links in the returned markdown are relative to it."""
    labels: Path | None = None
    """Folder of label images of the targets (``--labels``)."""
    predicted_labels: Path | None = None
    """Folder of label images of the predictions (``--pred-labels``)."""
    conditions: Path | None = None
    """CSV of each prediction's condition (``--conditions``): columns ``image``, ``condition``."""

    def given(self) -> list[str]:
        """The names of the optional inputs that were given (keys of :data:`INPUT_OPTIONS`)."""
        return [name for name in INPUT_OPTIONS if getattr(self, name) is not None]


@dataclass(frozen=True)
class ExtensionReport:
    """What an extension found: a report section, every number, the files it wrote."""

    markdown: str
    """A ``## Heading`` section appended to ``report.md`` (links relative to ``report_dir``)."""
    numbers: dict[str, object]
    """JSON-ready numbers (plain dicts, lists, str, float, int, bool, None)."""
    files: tuple[Path, ...] = ()


ExtensionFunction = Callable[[Iterable[ImagePair], BaseModel, ExtensionInputs], ExtensionReport]


@dataclass(frozen=True)
class EvaluationExtension:
    """An evaluation a plugin adds to ``i2i evaluate`` and to a run's final evaluation.

    ``evaluate`` is called with the image pairs (an iterable read once, lazily), the validated
    ``params`` and the :class:`ExtensionInputs`; give it as a ``"module:function"`` string so
    that listing extensions imports nothing heavy. ``requires`` names the modules it needs and
    ``install`` says how to get them (checked before it runs, and when a recipe asking for it
    is validated). ``reads`` names the optional inputs it uses (keys of :data:`INPUT_OPTIONS`).
    """

    name: str
    description: str
    params: type[BaseModel]
    evaluate: ExtensionFunction | str
    requires: tuple[str, ...] = ()
    install: str = ""
    reads: frozenset[str] = field(default_factory=frozenset)

    def resolve(self) -> ExtensionFunction:
        """The evaluate function, importing its module if it was given as a string."""
        if callable(self.evaluate):
            return self.evaluate
        module_name, _, attribute = self.evaluate.partition(":")
        return cast(ExtensionFunction, getattr(importlib.import_module(module_name), attribute))

    def check_installed(self) -> None:
        """An error naming the missing modules and how to install them, if any is missing."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            raise ExtensionError(
                f"The {self.name!r} evaluation needs {', '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} not installed. "
                f"{self.install or 'Install ' + ', '.join(missing) + '.'}"
            )

    def validate(self, params: BaseModel | Mapping[str, object] | None, where: str) -> BaseModel:
        """``params`` as this extension's ``Params``; a bad value names ``where`` and the key."""
        if isinstance(params, self.params):
            return params
        data = params.model_dump() if isinstance(params, BaseModel) else dict(params or {})
        try:
            return self.params.model_validate(data)
        except ValidationError as exc:
            problems = validation_problems(exc, where)
            raise ExtensionError(
                f"Parameters of the {self.name!r} evaluation ({where}): {problems}."
            ) from None
