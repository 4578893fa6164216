"""The Light My Cells challenge container contract (ISBI 2024).

For each transmitted-light image ``IN/<name>.tiff`` the container writes, for each organelle it
predicts, ``OUT/<organelle>-fluorescence-ome-tiff/<name>.tiff``: an OME-TIFF with the input's
geometry and pixel sizes. One model per organelle (``i2i predict-lmc``).

``IN`` may also be a Light My Cells dataset folder (``Study_3/image_12_BF_z4.ome.tiff`` beside
``Study_3/image_12_Nucleus.ome.tiff``): images in subfolders keep their relative path under
each organelle folder, and organelle images (:data:`lmc.TARGET` names) are not inputs. Such
outputs score against the dataset with ``i2i evaluate --pred OUT --target IN`` (a prediction
``image_12_BF_z4`` of channel ``Nucleus`` pairs with ``image_12_Nucleus``).
"""

from __future__ import annotations

from pathlib import Path

from i2i.prediction.batch import BatchError, Job
from i2i_plugins.datasets import lmc

INPUT_SUFFIXES = (".tiff", ".tif")


def lmc_output_folder(output_dir: Path, organelle: str) -> Path:
    """The challenge's output folder of one organelle."""
    return output_dir / f"{organelle}-fluorescence-ome-tiff"


def lmc_inputs(input_dir: Path) -> list[Path]:
    """The transmitted-light ``.tiff`` images under ``input_dir`` (organelle images left out)."""
    if not input_dir.is_dir():
        raise BatchError(f"{input_dir}: no such folder. Give the folder of input .tiff images.")
    inputs = sorted(
        path
        for path in input_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in INPUT_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(input_dir).parts)
        and lmc.TARGET.match(path.name) is None
    )
    if not inputs:
        raise BatchError(
            f"{input_dir}: no .tiff images found. The Light My Cells contract reads "
            "IN/*.tiff transmitted-light images."
        )
    return inputs


def lmc_jobs(input_dir: Path, output_dir: Path, organelles: list[str]) -> list[Job]:
    """Jobs for every input image of ``input_dir`` and organelle, grouped by organelle.

    Grouping by organelle keeps each process's share to few models.
    """
    inputs = lmc_inputs(input_dir)
    return [
        Job(path, lmc_output_folder(output_dir, organelle) / path.relative_to(input_dir), organelle)
        for organelle in organelles
        for path in inputs
    ]
