"""Object-level evaluation of a folder of predictions against a folder of real stains.

Files are paired exactly as ``i2i evaluate`` pairs them (:func:`i2i.evaluate.matching.match`:
same relative path and name stem, or ``<field>_<MOD>_z<k>_<rest>`` against ``<field>_<rest>``).
Label images (``labels_dir``, e.g. from CellProfiler or cellpose) sit at the target's relative
path with the target's stem, or the stem plus ``_labels``, any image suffix: an integer image of
the target's height and width (one plane, or one per channel). ``predicted_labels_dir`` holds
the prediction's objects the same way, named after the prediction.
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
from i2i_plugins.object_metrics.evaluation import FieldImages, evaluate_fields
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.report import ObjectReport
from i2i_plugins.object_metrics.segmentation import Labels, relabelled


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


def read_fields(
    pairs: list[Pair],
    target_dir: str | Path,
    pred_dir: str | Path,
    labels_dir: str | Path | None = None,
    predicted_labels_dir: str | Path | None = None,
    conditions: dict[str, str] | None = None,
) -> Iterator[FieldImages]:
    """The fields of ``pairs``, one per channel, read one pair at a time."""
    images = (read_pair(pair, Path(pred_dir), Path(target_dir)) for pair in pairs)
    return fields_of(images, labels_dir, predicted_labels_dir, conditions)


def fields_of(
    images: Iterable[ImagePair],
    labels_dir: str | Path | None = None,
    predicted_labels_dir: str | Path | None = None,
    conditions: dict[str, str] | None = None,
) -> Iterator[FieldImages]:
    """The fields of prediction/target images, one per channel, with their label images
    (found by the files' relative paths) and conditions (by the prediction's name)."""
    real_labels = LabelFolder(labels_dir, "labels") if labels_dir is not None else None
    pred_labels = (
        LabelFolder(predicted_labels_dir, "predicted labels") if predicted_labels_dir else None
    )
    for image in images:
        shape = image.real.shape
        real = real_labels.labels_for(_path(image.target, image), shape) if real_labels else None
        pred = (
            pred_labels.labels_for(_path(image.prediction, image), shape) if pred_labels else None
        )
        for c, organelle in enumerate(image.channels):
            yield FieldImages(
                field=image.name if len(image.channels) == 1 else f"{image.name}:{organelle}",
                real=image.real[c],
                predicted=image.predicted[c],
                organelle=organelle,
                real_labels=None if real is None else real[c],
                predicted_labels=None if pred is None else pred[c],
                condition=None if conditions is None else _condition(conditions, image.name),
            )


def _path(relative: Path | None, image: ImagePair) -> Path:
    if relative is None:
        raise ObjectEvaluationError(
            f"{image.name}: label images are found by the image's file name, and this image is "
            "in memory (a run's final evaluation). Leave the label folders out."
        )
    return relative


def _condition(conditions: dict[str, str], name: str) -> str:
    if name not in conditions:
        raise ObjectEvaluationError(
            f"The conditions table has no row for {name}. Give every prediction's relative "
            "path in its 'image' column."
        )
    return conditions[name]


def read_conditions(path: str | Path) -> dict[str, str]:
    """A CSV with ``image`` (the prediction's relative path) and ``condition`` columns."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise ObjectEvaluationError(f"{path}: conditions table not found. Give a CSV file path.")
    table = pd.read_csv(path)
    missing = {"image", "condition"} - set(table.columns)
    if missing:
        raise ObjectEvaluationError(
            f"{path}: a conditions table needs the columns 'image' (each prediction's path "
            f"relative to the prediction folder) and 'condition'; {', '.join(sorted(missing))} "
            f"missing (it has {', '.join(map(str, table.columns))})."
        )
    return {str(r["image"]): str(r["condition"]) for r in table.to_dict("records")}


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
    table = read_conditions(conditions) if conditions is not None else None
    fields = read_fields(pairs, target_dir, pred_dir, labels_dir, predicted_labels_dir, table)
    return evaluate_fields(fields, params)
