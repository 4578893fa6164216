"""Sample data: the In silico labeling field (phase-contrast z-stack and its real DAPI stain).

The files come from i2i's verified data cache (:func:`i2i.data.samples.fetch_sample` into
``<cache>/samples/isl_condition_b``, as ``i2i data fetch`` does: downloaded once with sha256
checks; ``I2I_DATA_BASE_URL`` names a mirror), telling the bytes of each download so that the
viewer can show them (:func:`fetch_isl`). The bundled model ``isl-phase-dapi-unet`` predicts
DAPI from the phase stack, so a new user can try it in two clicks: File > Open Sample, then
Predict organelles.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from i2i.data.samples import SampleProgress, fetch_sample, sample_set
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


def fetch_isl(on_bytes: SampleProgress | None = None) -> Path:
    """The folder of the verified ISL sample, fetched if needed; ``on_bytes`` is told the bytes
    of each file downloaded (a file already in the cache is only verified), and then no
    terminal line is written."""
    return fetch_sample(ISL, progress=on_bytes is None, on_bytes=on_bytes)


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
