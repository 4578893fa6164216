"""Pairing prediction files with target files by what their names and folders say.

A prediction scores against the target at the same relative path with the same name stem
(suffixes may differ: ``.ome.tiff`` against ``.tif``). Otherwise, a prediction made from one
input plane, ``<field>[_<MODALITY>]_z<k>[_<rest>]``, has the target name ``<field><rest>`` and
gives the ``modality`` and ``z`` columns. Without ``<rest>`` (a prediction named after its input, as
``i2i predict`` and ``i2i predict-lmc`` name them) the prediction's own channel name completes
it: ``image_12_BF_z4`` predicting channel ``Nucleus`` has the target name ``image_12_Nucleus``.

The target is the file with that name (case aside) in, by preference: the prediction's own
relative folder; a folder that ends the prediction's relative folder (a prediction folder may
add leading folders: ``nucleus-fluorescence-ome-tiff/Study_3/...`` finds ``Study_3/...``); or
anywhere in the target folder when exactly one target has that name (flat predictions of a
tree of studies). ``study`` is the target's top-level folder.

A plane prediction whose field has targets, but none for its channel, is *skipped* (a model
predicting every organelle of fields that have ground truth for some); any other prediction
without a target is an error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from i2i.evaluate.errors import EvaluationError
from i2i.naming import image_stem

IMAGE_SUFFIXES = {".tif", ".tiff", ".png", ".jpg", ".jpeg", ".zarr", ".czi", ".nd2", ".lif", ".npy"}
PLANE_TOKEN = re.compile(r"^(?P<field>.+?)(?:_(?P<modality>[A-Za-z]+))?_z(?P<z>\d+)(?P<rest>_.+)?$")
GENERIC_CHANNEL = re.compile(r"^(c|ch|channel)[ _:-]?\d+$", re.IGNORECASE)


@dataclass
class Pair:
    """A prediction file, its target file and what its names say."""

    prediction: Path
    target: Path
    name: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Matching:
    """The pairs found, and the plane predictions skipped for lack of a target channel."""

    pairs: list[Pair]
    skipped: list[str] = field(default_factory=list)


def image_files(root: Path) -> Iterator[Path]:
    """Image files (and ``.zarr`` folders) under ``root``, hidden entries skipped."""
    for path in sorted(root.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES and (path.is_file() or path.suffix == ".zarr"):
            yield path
        elif path.is_dir():
            yield from image_files(path)


def key_of(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` without its image suffix (``Study_1/image_3_Nucleus``)."""
    return (path.parent.relative_to(root) / image_stem(path)).as_posix()


class _Targets:
    """The target files of a folder, found by relative folder and (case-folded) name."""

    def __init__(self, root: Path):
        self.by_name: dict[str, list[PurePosixPath]] = defaultdict(list)
        self.files: dict[PurePosixPath, Path] = {}
        for path in image_files(root):
            key = PurePosixPath(key_of(root, path))
            self.files[key] = path
            self.by_name[key.name.casefold()].append(key)

    def at(self, key: PurePosixPath) -> PurePosixPath | None:
        """The target at the prediction's own relative path and name."""
        return key if key in self.files else None

    def find(self, folder: PurePosixPath, name: str) -> PurePosixPath | None:
        """The target called ``name`` for a prediction in ``folder`` (module docstring)."""
        candidates = self.by_name.get(name.casefold(), [])
        for candidate in candidates:
            if candidate.parent == folder:
                return candidate
        ending = [c for c in candidates if _ends_with(folder, c.parent)]
        if len(ending) == 1:
            return ending[0]
        return candidates[0] if len(candidates) == 1 else None

    def has_field(self, field_name: str) -> bool:
        prefix = f"{field_name}_".casefold()
        return any(name.startswith(prefix) for name in self.by_name)


def _ends_with(folder: PurePosixPath, ending: PurePosixPath) -> bool:
    parts, tail = folder.parts, ending.parts
    return bool(tail) and len(tail) <= len(parts) and parts[len(parts) - len(tail) :] == tail


def match(pred_dir: Path, target_dir: Path) -> list[Pair]:
    """Every prediction paired with its target (see the module docstring)."""
    return pair_files(pred_dir, target_dir).pairs


def pair_files(pred_dir: Path, target_dir: Path) -> Matching:
    """Pair every prediction with its target and say which were skipped (module docstring)."""
    targets = _Targets(target_dir)
    matching, unmatched = Matching([]), []
    for prediction in image_files(pred_dir):
        relative = prediction.relative_to(pred_dir).as_posix()
        key = PurePosixPath(key_of(pred_dir, prediction))
        found, meta = targets.at(key), {}
        plane = PLANE_TOKEN.match(key.name)
        if found is None and plane is not None:
            meta = {"modality": plane["modality"], "z": int(plane["z"])}
            found = targets.find(key.parent, _plane_target_name(prediction, plane))
            if found is None and targets.has_field(plane["field"]):
                matching.skipped.append(relative)
                continue
        if found is None:
            unmatched.append(relative)
            continue
        if len(found.parts) > 1:
            meta["study"] = found.parts[0]
        matching.pairs.append(Pair(prediction, targets.files[found], relative, meta))
    _check_matches(pred_dir, target_dir, matching, unmatched)
    return matching


def _plane_target_name(prediction: Path, plane: re.Match[str]) -> str:
    """``<field><rest>``, or ``<field>_<channel>`` with the prediction's one named channel."""
    if plane["rest"]:
        return str(plane["field"] + plane["rest"])
    from i2i.io import open_image

    with open_image(prediction) as image:
        names = image.channel_names
    if len(names) == 1 and not GENERIC_CHANNEL.match(names[0]):
        return f"{plane['field']}_{names[0]}"
    return str(plane["field"])


def _check_matches(
    pred_dir: Path, target_dir: Path, matching: Matching, unmatched: list[str]
) -> None:
    if matching.pairs and not unmatched:
        return
    if not matching.pairs:
        examples = ", ".join((unmatched + matching.skipped)[:3]) or "no image files"
        raise EvaluationError(
            f"No prediction in {pred_dir} matches a target in {target_dir} (predictions: "
            f"{examples}). A prediction matches the target with the same relative path and "
            "name (suffixes may differ), or '<field>_<MOD>_z<k>_<rest>' matches "
            "'<field>_<rest>', or '<field>_<MOD>_z<k>' predicting channel C matches "
            "'<field>_<C>'."
        )
    raise EvaluationError(
        f"{len(unmatched)} prediction(s) in {pred_dir} have no target in {target_dir}, e.g. "
        f"{', '.join(unmatched[:3])}. Add the targets, remove those predictions, or rename them "
        "to the target's relative path."
    )
