"""The Light My Cells challenge container contract (ISBI 2024).

For each transmitted-light image ``IN/<name>.tiff`` the container writes, for each organelle it
predicts, ``OUT/<organelle>-fluorescence-ome-tiff/<name>.tiff``: an OME-TIFF with the input's
geometry and pixel sizes. One model per organelle (``i2i predict-lmc``).
"""

from __future__ import annotations

from pathlib import Path

from i2i.predict.batch import BatchError, Job

INPUT_SUFFIXES = (".tiff", ".tif")


def lmc_output_folder(output_dir: Path, organelle: str) -> Path:
    """The challenge's output folder of one organelle."""
    return output_dir / f"{organelle}-fluorescence-ome-tiff"


def lmc_jobs(input_dir: Path, output_dir: Path, organelles: list[str]) -> list[Job]:
    """Jobs for every ``.tiff`` of ``input_dir`` and organelle, grouped by organelle.

    Grouping by organelle keeps each process's share to few models.
    """
    if not input_dir.is_dir():
        raise BatchError(f"{input_dir}: no such folder. Give the folder of input .tiff images.")
    inputs = sorted(
        p for p in input_dir.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
    )
    if not inputs:
        raise BatchError(
            f"{input_dir}: no .tiff images found. The Light My Cells contract reads "
            "IN/*.tiff transmitted-light images."
        )
    return [
        Job(path, lmc_output_folder(output_dir, organelle) / path.name, organelle)
        for organelle in organelles
        for path in inputs
    ]
