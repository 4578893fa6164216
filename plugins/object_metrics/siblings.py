"""The nuclear stain of a field kept in a file of its own: the Light My Cells layout.

The Light My Cells challenge (ISBI 2024) stores each stain of a field as its own single-channel
file, ``<field>_<Organelle>.ome.tiff`` (``image_12_Nucleus.ome.tiff`` beside
``image_12_Mitochondria.ome.tiff``), and ``i2i predict-lmc`` writes one prediction folder per
organelle. So a cytoplasmic target of that layout has no nuclear channel of its own: its
field's real nuclear stain is the target ``<field>_<nuclear stain>`` in the same folder (a name
of ``cells.nuclear_channel``, else of ``cells.nuclear_stains``, in that order of preference),
and its predicted nuclear stain, needed only with ``cells.seeds: predicted``, is the prediction
of that target made from the same input plane (the prediction file with the same name stem).
"""

from __future__ import annotations

from pathlib import Path

from i2i.evaluate.extensions import read_pair
from i2i.evaluate.folders import read_planes
from i2i.evaluate.matching import IMAGE_SUFFIXES, Pair, match
from i2i.evaluation_extensions import ImagePair
from i2i.naming import image_stem
from i2i_plugins.object_metrics.errors import ObjectEvaluationError
from i2i_plugins.object_metrics.evaluation import NuclearStain
from i2i_plugins.object_metrics.params import CellParams


class SiblingNuclei:
    """Finds the nuclear stain of single-channel cytoplasmic targets among their folder's
    files; folder listings and the pairing of the prediction folder are read once."""

    def __init__(self, cells: CellParams):
        self.cells = cells
        self._folders: dict[Path, dict[str, Path]] = {}
        self._pairs: dict[tuple[Path, Path], dict[tuple[Path, str], Pair]] = {}

    def of(self, image: ImagePair) -> NuclearStain | None:
        """The nuclear stain of ``image``'s field; None unless ``image`` is a single-channel
        cytoplasmic target of the Light My Cells layout whose field has a nuclear target."""
        if len(image.channels) != 1 or image.target is None or image.target_dir is None:
            return None
        (channel,) = image.channels
        stem, suffix = image_stem(image.target), f"_{channel}"
        if not self.cells.is_cytoplasmic(channel) or not stem.casefold().endswith(
            suffix.casefold()
        ):
            return None
        field = stem[: -len(suffix)]
        found = self._nuclear_target(image.target_dir / image.target.parent, field)
        if found is None:
            return None
        stain, path = found
        if self.cells.seeds == "predicted":
            return self._with_prediction(image, stain, path)
        planes, _ = read_planes(path)
        _check_shape(path, planes.shape[1:], image)
        return NuclearStain(stain, planes[0], None)

    def _nuclear_target(self, folder: Path, field: str) -> tuple[str, Path] | None:
        """The nuclear stain name and file of ``field`` in ``folder``, if it has one."""
        if folder not in self._folders:
            self._folders[folder] = {
                image_stem(path).casefold(): path
                for path in sorted(folder.iterdir())
                if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
            }
        files = self._folders[folder]
        for stain in self.cells.nuclear_names():
            path = files.get(f"{field}_{stain}".casefold())
            if path is not None:
                return stain, path
        return None

    def _with_prediction(self, image: ImagePair, stain: str, target: Path) -> NuclearStain:
        """The real and predicted nuclear stain; the predicted one is left None (an error when
        seeds are needed) if the nuclear target was not predicted from the same plane."""
        assert image.prediction is not None and image.prediction_dir is not None
        assert image.target_dir is not None  # both set for images read from folders
        folders = (image.prediction_dir, image.target_dir)
        if folders not in self._pairs:
            self._pairs[folders] = {
                (pair.target, image_stem(pair.prediction)): pair for pair in match(*folders)
            }
        pair = self._pairs[folders].get((target, image_stem(image.prediction)))
        if pair is None:
            planes, _ = read_planes(target)
            _check_shape(target, planes.shape[1:], image)
            return NuclearStain(stain, planes[0], None)
        nuclear = read_pair(pair, *folders)
        _check_shape(target, nuclear.real.shape[1:], image)
        return NuclearStain(stain, nuclear.real[0], nuclear.predicted[0])


def _check_shape(path: Path, shape: tuple[int, ...], image: ImagePair) -> None:
    height, width = image.real.shape[1:]
    if tuple(shape) != (height, width):
        raise ObjectEvaluationError(
            f"{path}: the nuclear stain of {image.name} is {shape[0]} x {shape[1]} pixels, "
            f"but the stain it seeds cells of is {height} x {width}. Give the field's stains "
            "at one size, or set cells.cytoplasmic_stains to [] to segment it as objects."
        )
