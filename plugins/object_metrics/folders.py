"""Object-level evaluation of a folder of predictions against a folder of real stains.

Files are paired exactly as ``i2i evaluate`` pairs them (:func:`i2i.evaluate.matching.match`:
same relative path and name stem, or ``<field>_<MOD>_z<k>_<rest>`` against ``<field>_<rest>``).
Label images (``labels_dir``, e.g. from CellProfiler or cellpose) sit at the target's relative
path with the target's stem, or the stem plus ``_labels``, any image suffix: an integer image of
the target's height and width (one plane, or one per channel). ``predicted_labels_dir`` holds
the prediction's objects the same way, named after the prediction.

A cytoplasmic channel (``cells.cytoplasmic_stains``) of an image that also has a nuclear channel
(``cells.nuclear_channel``, or the first of ``cells.nuclear_stains``) is evaluated as cells
grown from that channel's nuclei; a single-channel target of the Light My Cells layout finds
its field's nuclear stain in its own file (:mod:`.siblings`). A conditions table gives each
prediction a ``condition`` and/or a ``well``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from i2i.evaluate.extensions import read_pair
from i2i.evaluate.folders import read_planes
from i2i.evaluate.matching import Pair, image_files, match
from i2i.evaluation_extensions import ImagePair
from i2i.naming import image_stem
from i2i_plugins.object_metrics.errors import ObjectEvaluationError
from i2i_plugins.object_metrics.evaluation import FieldImages, NuclearStain, evaluate_fields
from i2i_plugins.object_metrics.params import CellParams, ObjectParams
from i2i_plugins.object_metrics.report import ObjectReport
from i2i_plugins.object_metrics.segmentation import Labels, relabelled
from i2i_plugins.object_metrics.siblings import SiblingNuclei


def pair_folders(pred_dir: str | Path, target_dir: str | Path) -> list[Pair]:
    """The prediction/target pairs of two folders, as ``i2i evaluate`` forms them."""
    for folder, what in ((pred_dir, "prediction"), (target_dir, "target")):
        if not Path(folder).is_dir():
            raise ObjectEvaluationError(
                f"{folder}: the {what} folder does not exist or is not a folder."
            )
    return match(Path(pred_dir), Path(target_dir))


class LabelFolder:
    """Label images found by the relative path and stem of the image they segment."""

    def __init__(self, root: str | Path, what: str):
        self.root, self.what = Path(root), what
        if not self.root.is_dir():
            raise ObjectEvaluationError(
                f"{root}: the {what} folder does not exist or is not a folder."
            )
        self.files = {
            (path.parent.relative_to(self.root) / image_stem(path)).as_posix(): path
            for path in image_files(self.root)
        }

    def labels_for(self, relative: Path, shape: tuple[int, ...]) -> list[Labels]:
        """One label image per channel of an image of ``shape`` (C, H, W) at ``relative``."""
        key = (relative.parent / image_stem(relative)).as_posix()
        path = self.files.get(key) or self.files.get(key + "_labels")
        if path is None:
            raise ObjectEvaluationError(
                f"{self.root}: no label image for {relative} (looked for {key}.* and "
                f"{key}_labels.* in the {self.what} folder). Add it, or leave the option out "
                "to segment the stains."
            )
        planes, _ = read_planes(path)
        return _checked_labels(path, planes, shape)


def _checked_labels(path: Path, planes: np.ndarray, shape: tuple[int, ...]) -> list[Labels]:
    channels, height, width = shape
    if planes.shape[1:] != (height, width) or planes.shape[0] not in (1, channels):
        raise ObjectEvaluationError(
            f"{path}: label image of shape (C, H, W) {planes.shape}, but the image it segments "
            f"is {tuple(shape)}. Give one {height} x {width} label plane (or one per channel) "
            "segmented from that image."
        )
    if not np.issubdtype(planes.dtype, np.integer):
        raise ObjectEvaluationError(
            f"{path}: label images hold integer object ids (0 = background); this one is "
            f"{planes.dtype}. Save the labels as an integer image (uint16, int32)."
        )
    plane_list = [relabelled(p) for p in planes]
    return plane_list * channels if len(plane_list) == 1 else plane_list


FieldAnnotations = dict[str, dict[str, str]]
"""The prediction's relative path -> its ``condition`` and/or ``well``."""


def read_fields(
    pairs: list[Pair],
    target_dir: str | Path,
    pred_dir: str | Path,
    labels_dir: str | Path | None = None,
    predicted_labels_dir: str | Path | None = None,
    conditions: FieldAnnotations | None = None,
    cells: CellParams | None = None,
) -> Iterator[FieldImages]:
    """The fields of ``pairs``, one per channel, read one pair at a time."""
    images = (read_pair(pair, Path(pred_dir), Path(target_dir)) for pair in pairs)
    return fields_of(images, labels_dir, predicted_labels_dir, conditions, cells)


def fields_of(
    images: Iterable[ImagePair],
    labels_dir: str | Path | None = None,
    predicted_labels_dir: str | Path | None = None,
    conditions: FieldAnnotations | None = None,
    cells: CellParams | None = None,
) -> Iterator[FieldImages]:
    """The fields of prediction/target images, one per channel, with their label images
    (found by the files' relative paths), conditions and wells (by the prediction's name)
    and, for a cytoplasmic channel, the image's nuclear channel (``cells``)."""
    cells = cells or CellParams()
    real_labels = LabelFolder(labels_dir, "labels") if labels_dir is not None else None
    pred_labels = (
        LabelFolder(predicted_labels_dir, "predicted labels") if predicted_labels_dir else None
    )
    siblings = SiblingNuclei(cells)
    for image in images:
        shape = image.real.shape
        real = real_labels.labels_for(_path(image.target, image), shape) if real_labels else None
        pred = (
            pred_labels.labels_for(_path(image.prediction, image), shape) if pred_labels else None
        )
        annotation = {} if conditions is None else _annotation(conditions, image.name)
        nuclear = nuclear_channel(image.channels, cells)
        for c, organelle in enumerate(image.channels):
            seeds = None
            if nuclear is None:
                seeds = siblings.of(image)
            elif c != nuclear and cells.is_cytoplasmic(organelle):
                seeds = NuclearStain(
                    image.channels[nuclear], image.real[nuclear], image.predicted[nuclear]
                )
            yield FieldImages(
                field=image.name if len(image.channels) == 1 else f"{image.name}:{organelle}",
                real=image.real[c],
                predicted=image.predicted[c],
                organelle=organelle,
                real_labels=None if real is None else real[c],
                predicted_labels=None if pred is None else pred[c],
                condition=annotation.get("condition"),
                nuclei=seeds,
                well=annotation.get("well"),
            )


def nuclear_channel(channels: tuple[str, ...], cells: CellParams) -> int | None:
    """The index of the channel whose nuclei seed cells: ``cells.nuclear_channel`` if the image
    has it, else the first channel named in ``cells.nuclear_stains``; None without one."""
    for index, channel in enumerate(channels):
        if cells.is_nuclear(channel):
            return index
    return None


def _path(relative: Path | None, image: ImagePair) -> Path:
    if relative is None:
        raise ObjectEvaluationError(
            f"{image.name}: label images are found by the image's file name, and this image is "
            "in memory (a run's final evaluation). Leave the label folders out."
        )
    return relative


def _annotation(conditions: FieldAnnotations, name: str) -> dict[str, str]:
    if name not in conditions:
        raise ObjectEvaluationError(
            f"The conditions table has no row for {name}. Give every prediction's relative "
            "path in its 'image' column."
        )
    return conditions[name]


ANNOTATIONS = ("condition", "well")


def read_conditions(path: str | Path) -> FieldAnnotations:
    """A CSV with ``image`` (the prediction's relative path) and ``condition`` and/or ``well``
    columns; the image -> {column: value} of each row (empty cells left out)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise ObjectEvaluationError(f"{path}: conditions table not found. Give a CSV file path.")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    given = [column for column in ANNOTATIONS if column in table.columns]
    if "image" not in table.columns or not given:
        raise ObjectEvaluationError(
            f"{path}: a conditions table needs the column 'image' (each prediction's path "
            "relative to the prediction folder) and 'condition' (for the retrieval mAP) and/or "
            f"'well' (for per-well profiles); it has {', '.join(map(str, table.columns))}."
        )
    return {
        row["image"]: {column: row[column] for column in given if row[column] != ""}
        for row in table.to_dict("records")
    }


def evaluate_objects(
    pred_dir: str | Path,
    target_dir: str | Path,
    params: ObjectParams | None = None,
    labels_dir: str | Path | None = None,
    predicted_labels_dir: str | Path | None = None,
    conditions: str | Path | None = None,
) -> ObjectReport:
    """The object-level evaluation of every prediction in ``pred_dir`` against its target."""
    pairs = pair_folders(pred_dir, target_dir)
    params = params or ObjectParams()
    table = read_conditions(conditions) if conditions is not None else None
    fields = read_fields(
        pairs, target_dir, pred_dir, labels_dir, predicted_labels_dir, table, params.cells
    )
    return evaluate_fields(fields, params)
