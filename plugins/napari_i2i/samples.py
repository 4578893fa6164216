"""Sample data: the In silico labeling field (phase-contrast z-stack and its real DAPI stain).

The files come from i2i's verified data cache (the files of :func:`i2i.data.samples.sample_set`
fetched by :func:`i2i.download.fetch` into ``<cache>/samples/isl_condition_b``, as
``i2i data fetch`` does: downloaded once with sha256 checks; ``I2I_DATA_BASE_URL`` names a
mirror), telling the bytes of each download so that the viewer can show them
(:func:`fetch_isl`). The bundled
model ``isl-phase-dapi-unet`` predicts DAPI from the phase stack, so a new
user can try it in two clicks: File > Open Sample, then Predict organelles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from i2i.data.samples import sample_set
from i2i.download import cache_dir, fetch
from i2i.io import open_image
from i2i_plugins.napari_i2i.reader import LayerData

ISL = "isl_condition_b"
_PHASE_PLANE = re.compile(r"z_depth-(\d+),channel-PHASE_CONTRAST")


def isl_phase_files(folder: Path) -> list[Path]:
    """The 13 phase-contrast planes of the ISL sample in ``folder``, by depth."""
    planes = {
        int(match.group(1)): folder / name
        for name in sample_set(ISL).files
        if (match := _PHASE_PLANE.search(name))
    }
    return [planes[z] for z in sorted(planes)]


def isl_dapi_file(folder: Path) -> Path:
    """The confocal DAPI max projection of the ISL sample in ``folder``."""
    (name,) = [name for name in sample_set(ISL).files if "channel-DAPI_CONFOCAL" in name]
    return folder / name


FileBytes = Callable[[str, int, int], None]
"""Told ``(what, bytes done, file size)`` as a file downloads: ``what`` says which file ("file
3 of 16 (z_depth-2,channel-PHASE_CONTRAST)"); a size of 0 is unknown."""


def fetch_isl(on_bytes: FileBytes | None = None) -> Path:
    """The folder of the verified ISL sample, fetched if needed; ``on_bytes`` is told the bytes
    of each file downloaded (a file already in the cache is only verified)."""
    samples = sample_set(ISL)
    root = cache_dir() / "samples" / ISL
    root.mkdir(parents=True, exist_ok=True)
    labels = _distinct_parts(list(samples.files))
    for number, (name, sha256) in enumerate(samples.files.items(), start=1):
        what = f"file {number} of {len(samples.files)} ({labels[number - 1]})"
        told = None if on_bytes is None else _telling(on_bytes, what)
        shown = on_bytes is None  # a terminal line only when nobody else shows the progress
        fetch(samples.urls(name), sha256, name, progress=shown, root=root, on_bytes=told)
    return root


def _telling(on_bytes: FileBytes, what: str) -> Callable[[int, int], None]:
    return lambda done, total: on_bytes(what, done, total)


def _distinct_parts(names: list[str]) -> list[str]:
    """What tells ``names`` apart: each without the comma-separated parts they all share."""
    parts = [name.split(",") for name in names]
    shared = set(parts[0]).intersection(*parts[1:])
    distinct = [",".join(part for part in split if part not in shared) for split in parts]
    return [label or name for label, name in zip(distinct, names, strict=True)]


def isl_phase_stack(folder: Path | None = None) -> list[LayerData]:
    """The ISL phase-contrast field (in ``folder``, default: fetched) as one (Z, Y, X) layer of
    13 planes."""
    files = isl_phase_files(folder or fetch_isl())
    stack = np.stack([open_image(path).read_plane() for path in files])  # (Z, Y, X)
    return [(stack, {"name": "ISL phase contrast", "metadata": _axes("Z", "Y", "X")}, "image")]


def isl_dapi(folder: Path | None = None) -> list[LayerData]:
    """The ISL field's real DAPI stain (confocal max projection; in ``folder``, default:
    fetched) as a (Y, X) layer."""
    plane = open_image(isl_dapi_file(folder or fetch_isl())).read_plane()
    metadata = _axes("Y", "X")
    return [(plane, {"name": "ISL DAPI (real)", "colormap": "gray", "metadata": metadata}, "image")]


def _axes(*axes: str) -> dict[str, dict[str, list[str]]]:
    return {"i2i": {"axes": list(axes)}}
