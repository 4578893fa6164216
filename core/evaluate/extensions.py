"""Evaluation extensions: evaluations beyond pixel metrics, provided by plugins.

A plugin returns :class:`i2i.evaluation_extensions.EvaluationExtension` records from the
``i2i_evaluation_extensions`` hook. ``i2i evaluate --objects`` (or ``--extension NAME``) and a
recipe's ``evaluate.extensions: {NAME: {...parameters...}}`` run the extension called ``NAME``
on the same prediction/target pairs as the pixel metrics: it receives
:class:`~i2i.evaluation_extensions.ImagePair` records, its validated parameters and an
:class:`~i2i.evaluation_extensions.ExtensionInputs` (its output folder and the optional files
the user gave: label images, a conditions table), writes its files into
``<evaluation>/<NAME>/`` and returns an :class:`~i2i.evaluation_extensions.ExtensionReport`,
whose markdown is appended to ``report.md`` and whose numbers go under ``NAME`` in
``i2i evaluate --json``.

The core knows no extension: the first-party ``object_metrics`` plugin provides ``objects``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from i2i.evaluate.errors import EvaluationError
from i2i.evaluation_extensions import (
    INPUT_OPTIONS,
    EvaluationExtension,
    ExtensionError,
    ExtensionInputs,
    ExtensionReport,
    ImagePair,
)
from i2i.installed_extensions import evaluation_extensions

if TYPE_CHECKING:
    from i2i.evaluate.matching import Pair


def check_inputs_used(extensions: Iterable[EvaluationExtension], inputs: ExtensionInputs) -> None:
    """Every optional input given is read by a chosen extension (no option silently ignored)."""
    chosen = list(extensions)
    for name in inputs.given():
        if any(name in extension.reads for extension in chosen):
            continue
        readers = [n for n, e in evaluation_extensions().items() if name in e.reads]
        flags = ", ".join("--objects" if n == "objects" else f"--extension {n}" for n in readers)
        raise ExtensionError(
            f"{INPUT_OPTIONS[name]} is read only by an evaluation extension "
            f"({flags or 'none is installed that reads it'}), and none of the chosen ones reads "
            f"it. Add {flags or 'such an extension'}, or leave {INPUT_OPTIONS[name]} out."
        )


def run_extensions(
    resolved: Mapping[str, tuple[EvaluationExtension, BaseModel]],
    pairs: Callable[[], Iterable[ImagePair]],
    report_dir: Path,
    inputs: Mapping[str, Path | None] | None = None,
) -> dict[str, ExtensionReport]:
    """Run each extension on a fresh iterable of ``pairs``, writing into ``report_dir/NAME``."""
    reports = {}
    for name, (extension, params) in resolved.items():
        given = ExtensionInputs(
            out_dir=report_dir / name,
            report_dir=report_dir,
            **{k: v for k, v in (inputs or {}).items() if k in INPUT_OPTIONS},
        )
        reports[name] = extension.resolve()(pairs(), params, given)
    return reports


def append_sections(report: Path, reports: Mapping[str, ExtensionReport]) -> Path:
    """``report`` (a ``report.md``) with each extension's markdown section added at its end."""
    from i2i.atomic import write_text_atomic

    if not reports:
        return report
    text = report.read_text().rstrip("\n")
    sections = [r.markdown.strip("\n") for r in reports.values()]
    return write_text_atomic(report, "\n\n".join([text, *sections]) + "\n")


def read_image_pairs(pred_dir: Path, target_dir: Path) -> Iterator[ImagePair]:
    """The prediction/target pairs of two folders, paired and read as ``i2i evaluate`` does,
    one pair at a time."""
    from i2i.evaluate.matching import pair_files

    for pair in pair_files(pred_dir, target_dir).pairs:
        yield read_pair(pair, pred_dir, target_dir)


def read_pair(pair: Pair, pred_dir: Path, target_dir: Path) -> ImagePair:
    """The images of one :class:`i2i.evaluate.matching.Pair`; different shapes are an error."""
    from i2i.evaluate.folders import organelles_and_field, read_planes

    target, channel_names = read_planes(pair.target)
    prediction, _ = read_planes(pair.prediction)
    if prediction.shape != target.shape:
        raise EvaluationError(
            f"{pair.prediction} has shape (C, H, W) {prediction.shape} but its target "
            f"{pair.target} has {target.shape}. Predict at the target's size and channels."
        )
    organelles, _ = organelles_and_field(pair.target, channel_names)
    return ImagePair(
        name=pair.name,
        channels=tuple(organelles),
        real=target,
        predicted=prediction,
        target=pair.target.relative_to(target_dir),
        prediction=pair.prediction.relative_to(pred_dir),
        target_dir=target_dir,
        prediction_dir=pred_dir,
    )


def parse_params(texts: Iterable[str], names: Iterable[str]) -> dict[str, dict[str, object]]:
    """``--param NAME.key.path=value`` options as nested parameters per extension ``NAME``.

    Values are read as YAML (``8`` an integer, ``[2, 99]`` a list, ``local`` text). Each
    ``NAME`` must be one of the chosen extension ``names``.
    """
    import yaml

    chosen = list(names)
    params: dict[str, dict[str, object]] = {name: {} for name in chosen}
    for text in texts:
        key, separator, raw = text.partition("=")
        parts = key.strip().split(".")
        if not separator or len(parts) < 2 or not all(parts):
            raise ExtensionError(
                f"--param {text!r} is not of the form NAME.key=value; write e.g. --param "
                "objects.segmentation.min_distance=8 (the keys of the recipe's "
                "evaluate.extensions.NAME)."
            )
        if parts[0] not in params:
            raise ExtensionError(
                f"--param {text!r} sets a parameter of {parts[0]!r}, which is not a chosen "
                f"evaluation extension (chosen: {', '.join(chosen) or 'none'}). Add "
                f"{'--objects' if parts[0] == 'objects' else '--extension ' + parts[0]}."
            )
        target: dict[str, object] = params[parts[0]]
        for part in parts[1:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise ExtensionError(f"--param {text!r}: {part!r} was already given a value.")
            target = nested
        try:
            target[parts[-1]] = yaml.safe_load(raw.strip())
        except yaml.YAMLError:
            target[parts[-1]] = raw.strip()
    return params
