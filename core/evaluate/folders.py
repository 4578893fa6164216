"""Scoring a folder of predictions against a folder of targets.

Pairing is :mod:`i2i.evaluate.matching`'s: the same relative path and name, or a plane
prediction ``<field>[_<MOD>]_z<k>[_<rest>]`` against ``<field><rest>`` (or ``<field>_<channel>``
for a prediction named after its input). So the Light My Cells layout works as is:
``Study_3/image_12_BF_z4_Nucleus.ome.tiff``, and ``i2i predict-lmc``'s
``nucleus-fluorescence-ome-tiff/Study_3/image_12_BF_z4.ome.tiff`` predicting ``Nucleus``, score
against ``Study_3/image_12_Nucleus.ome.tiff`` with study ``Study_3``, field ``image_12``,
modality ``BF``, z 4 and organelle ``Nucleus``.

Metadata per prediction: ``study`` is its target's top-level folder (if any); ``organelle`` is
the target's channel name, or the last ``_Word`` of the target's name when the file's channel
names are generic (``C0``); ``field`` is the target's name without that word when the word is
the organelle (``image_4_Mitochondria`` with channel ``Mitochondria`` is field ``image_4``). A
metadata CSV (``--meta``) with an ``image`` column (the prediction's relative path) overrides or
adds any column, including ``input`` (the input file shown in the panels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from i2i.evaluate.aggregate import read_best_z
from i2i.evaluate.errors import EvaluationError
from i2i.evaluate.evaluator import Evaluator
from i2i.evaluate.matching import GENERIC_CHANNEL, Pair, image_files, key_of, pair_files
from i2i.evaluate.result import EvaluationResult
from i2i.naming import TTA_STD_SUFFIX, image_stem

if TYPE_CHECKING:
    import pandas as pd

ORGANELLE_TOKEN = re.compile(r"^(?P<field>.+)_(?P<organelle>[A-Za-z]+)$")


def read_planes(path: Path) -> tuple[np.ndarray, list[str]]:
    """A (C, H, W) array and channel names; errors when the file has several T or Z planes."""
    from i2i.io import open_image

    image = open_image(path)
    size_t, _, size_z, _, _ = image.shape
    if size_t * size_z != 1:
        raise EvaluationError(
            f"{path}: has {size_t} time point(s) and {size_z} z-plane(s); evaluation scores "
            "2-D images (one plane per channel). Save one plane per file."
        )
    return image.read()[0, :, 0], image.channel_names


def organelles_and_field(target: Path, channel_names: list[str]) -> tuple[list[str], str]:
    """Organelle per channel and the field name (see the module docstring)."""
    name = image_stem(target)
    token = ORGANELLE_TOKEN.match(name)
    if token is None or len(channel_names) != 1:
        return list(channel_names), name
    channel = channel_names[0]
    if GENERIC_CHANNEL.match(channel):
        return [token["organelle"]], token["field"]
    if channel.lower() == token["organelle"].lower():  # image_4_Mitochondria, channel named so
        return [channel], token["field"]
    return [channel], name


def read_meta(path: Path) -> dict[str, dict[str, Any]]:
    """A metadata CSV keyed by its ``image`` column (the prediction's relative path)."""
    import pandas as pd

    if not path.is_file():
        raise EvaluationError(f"{path}: metadata table not found. Give a CSV file path.")
    table = pd.read_csv(path)
    if "image" not in table.columns:
        raise EvaluationError(
            f"{path}: a metadata table needs an 'image' column holding each prediction's path "
            f"relative to the prediction folder; it has {', '.join(map(str, table.columns))}."
        )
    return {str(r.pop("image")): r for r in table.to_dict("records")}


def evaluate_folders(
    pred_dir: str | Path,
    target_dir: str | Path,
    *,
    input_dir: str | Path | None = None,
    best_z: str | Path | pd.DataFrame | None = None,
    meta: str | Path | None = None,
    metrics: list[str] | None = None,
    metric_set: str | None = None,
    normalize: str = "challenge",
    device: str = "auto",
    panel_size: int = 256,
    on_pair: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Score every prediction in ``pred_dir`` against its target in ``target_dir``.

    :param input_dir: folder of model inputs shown in the panels: the input of a prediction is
        the file whose stem is the longest prefix of the prediction's stem (or the ``input``
        column of ``meta``, relative to ``input_dir``). An input folder, or a ``meta`` table,
        that matches no prediction is an error.
    :param best_z: best-focus table (CSV path or DataFrame) giving ``z_deviation``.
    :param meta: metadata CSV (see the module docstring).
    :param metrics: metric names (default: every registered metric).
    :param metric_set: summarise every channel with this named set (e.g. ``cell_painting``).
    :param on_pair: called with (pairs scored, pairs in all) after each prediction, for a
        progress display (``i2i evaluate`` shows one).
    """
    pred_dir, target_dir = _folder(pred_dir, "prediction"), _folder(target_dir, "target")
    extra = read_meta(Path(meta)) if meta is not None else {}
    inputs = _InputFinder(_folder(input_dir, "input")) if input_dir is not None else None
    evaluator = Evaluator(
        metrics, normalize=normalize, device=device, panel_size=panel_size, metric_set=metric_set
    )
    matching = pair_files(pred_dir, target_dir)
    names = [pair.name for pair in matching.pairs]
    if extra and not set(extra) & set(names):
        raise _matches_nothing(f"the metadata table {meta}", "image", list(extra), names)
    found_inputs = 0
    for number, pair in enumerate(matching.pairs, start=1):
        target, channel_names = read_planes(pair.target)
        prediction, spreads = without_tta_spread(*read_planes(pair.prediction))
        organelles, field_name = organelles_and_field(pair.target, channel_names)
        row_meta = {"field": field_name, **pair.meta, **extra.get(pair.name, {})}
        shown = inputs.find(pair, row_meta) if inputs is not None else None
        found_inputs += shown is not None
        _score_pair(evaluator, pair, prediction, target, organelles, row_meta, shown, spreads)
        if on_pair is not None:
            on_pair(number, len(matching.pairs))
    if inputs is not None and not found_inputs:
        raise _matches_nothing(f"the input folder {input_dir}", "file", list(inputs.files), names)
    result = replace(evaluator.result(), skipped=matching.skipped)
    if best_z is None:
        return result
    return result.with_best_z(best_z if not isinstance(best_z, str | Path) else read_best_z(best_z))


def without_tta_spread(
    planes: np.ndarray, names: list[str]
) -> tuple[np.ndarray, list[float | None]]:
    """The predicted channels of (C, H, W) ``planes``, without the ``<name>_tta_std`` channels
    of ``i2i predict --tta --uncertainty``, and each kept channel's mean spread (or ``None``)."""
    spread = {name.removesuffix(TTA_STD_SUFFIX): i for i, name in enumerate(names)}
    spread = {name: i for name, i in spread.items() if names[i].endswith(TTA_STD_SUFFIX)}
    kept = [i for i, name in enumerate(names) if not name.endswith(TTA_STD_SUFFIX)]
    means = [float(planes[spread[names[i]]].mean()) if names[i] in spread else None for i in kept]
    return planes[kept], means


def _matches_nothing(option: str, what: str, given: list[str], seen: list[str]) -> EvaluationError:
    return EvaluationError(
        f"{option} matches none of the {len(seen)} prediction(s): its {what} names are e.g. "
        f"{', '.join(given[:3]) or 'none'}; the predictions are e.g. {', '.join(seen[:3])}. "
        "Name them by the prediction's path relative to the prediction folder (an input's stem "
        "must begin the prediction's stem), or leave the option out."
    )


def _score_pair(
    evaluator: Evaluator,
    pair: Pair,
    prediction: np.ndarray,
    target: np.ndarray,
    organelles: list[str],
    meta: dict[str, Any],
    shown_input: np.ndarray | None,
    spreads: list[float | None],
) -> None:
    if prediction.shape != target.shape:
        raise EvaluationError(
            f"{pair.prediction} has shape (C, H, W) {prediction.shape} but its target "
            f"{pair.target} has {target.shape}. Predict at the target's size and channels."
        )
    channel_meta = [{**meta, "organelle": meta.get("organelle", o)} for o in organelles]
    for row_meta, spread in zip(channel_meta, spreads, strict=True):
        if spread is not None:
            row_meta["tta_std"] = spread  # the mean TTA spread of this prediction
    for c, row_meta in enumerate(channel_meta):
        evaluator.add(
            prediction[None, c : c + 1],
            target[None, c : c + 1],
            images=[pair.name],
            channels=[organelles[c]],
            meta=[row_meta],
            inputs=None if shown_input is None else shown_input[None],
        )


class _InputFinder:
    """Finds the input image shown beside a prediction (longest stem prefix, or ``input``)."""

    def __init__(self, root: Path):
        self.root = root
        self.files = {key_of(root, f): f for f in image_files(root)}

    def find(self, pair: Pair, meta: dict[str, Any]) -> np.ndarray | None:
        if "input" in meta:
            path = self.root / str(meta["input"])
        else:
            found = self._longest_prefix(Path(pair.name))
            if found is None:
                return None
            path = self.files[found]
        planes, _ = read_planes(path)
        return planes  # (Cin, H, W)

    def _longest_prefix(self, prediction: Path) -> str | None:
        """The input whose key begins the prediction's key; leading prediction folders that
        the inputs lack (``nucleus-fluorescence-ome-tiff/``) are dropped one at a time."""
        parts = (prediction.parent / image_stem(prediction)).parts
        for start in range(len(parts)):
            wanted = "/".join(parts[start:])
            candidates = [k for k in self.files if wanted == k or wanted.startswith(k + "_")]
            if candidates:
                return max(candidates, key=len)
        return None


def _folder(path: str | Path, what: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise EvaluationError(f"{folder}: the {what} folder does not exist or is not a folder.")
    return folder
