"""Plates for the tests of the plates plugin, written by ome-zarr-py (an independent library)
from real images, a JUMP cpg0000 folder of real bright-field TIFFs, tiny weights, and the
code blocks of docs/plates.md with a shell to run them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docs_support
import numpy as np
import torch
from zoo_support import TINY_SPEC

ISL_CROPS = {  # field address -> (row, column) of a 96 x 112 crop of the ISL field
    "B/03/0": (100, 120),
    "B/03/1": (400, 380),
    "C/05/0": (650, 200),
    "C/05/1": (300, 700),
}
CROP = (96, 112)


def write_reference_plate(
    path: Path,
    fields: dict[str, tuple[np.ndarray, list[str]]],
    *,
    zarr_format: int,
    pixel_size_um: float | None = None,
) -> Path:
    """Write an HCS plate with ome-zarr-py: ``fields`` maps ``"B/03/0"`` to (C, Y, X) and names."""
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

    fmt = FormatV05() if zarr_format == 3 else FormatV04()
    wells: dict[str, list[str]] = {}
    for address in fields:
        well, _, field = address.rpartition("/")
        wells.setdefault(well, []).append(field)
    rows = sorted({w.split("/")[0] for w in wells})
    columns = sorted({w.split("/")[1] for w in wells})
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    write_plate_metadata(root, rows, columns, list(wells), fmt=fmt, name=path.stem)
    for well, names in wells.items():
        row, column = well.split("/")
        group = root.require_group(row).require_group(column)
        write_well_metadata(group, [{"path": n} for n in names], fmt=fmt)
        for name in names:
            array, channels = fields[f"{well}/{name}"]
            extra = {}
            if pixel_size_um is not None:
                extra = {
                    "scale": {"c": 1.0, "y": pixel_size_um, "x": pixel_size_um},
                    "axes_units": {"y": "micrometer", "x": "micrometer"},
                }
            write_image(
                array,
                group.require_group(name),
                axes="cyx",
                fmt=fmt,
                scale_factors=[],
                omero={"channels": [_omero_channel(c, array[i]) for i, c in enumerate(channels)]},
                **extra,
            )
    return path


def _omero_channel(label: str, plane: np.ndarray) -> dict:
    low, high = (float(v) for v in np.percentile(plane, [0.1, 99.9]))
    window = {"min": 0.0, "max": 65535.0, "start": low, "end": high}
    return {"label": label, "color": "FFFFFF", "window": window}


def read_isl_planes(shared_data: Path) -> dict[str, np.ndarray]:
    """The real ISL phase-contrast plane (z 6) and DAPI, 1024 x 1024 uint16."""
    from i2i.io import open_image

    folder = shared_data / "isl_condition_b"
    files = {
        "PHASE": next(folder.glob("*z_depth-6,channel-PHASE_CONTRAST*")),
        "DAPI": next(folder.glob("*channel-DAPI_CONFOCAL*")),
    }
    return {name: open_image(path).read_plane() for name, path in files.items()}


def isl_fields(planes: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Four crops of the ISL field as fields of two wells, channels PHASE and DAPI."""
    fields = {}
    for address, (y, x) in ISL_CROPS.items():
        window = (slice(y, y + CROP[0]), slice(x, x + CROP[1]))
        fields[address] = (
            np.stack([planes["PHASE"][window], planes["DAPI"][window]]),
            ["PHASE", "DAPI"],
        )
    return fields


def save_phase_weights(path: Path, seed: int = 0) -> Path:
    """Tiny UNet weights: PHASE -> DAPI (nothing trained)."""
    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(seed)
    model = build_model(TINY_SPEC).eval()
    contract = {"input_channels": ["PHASE"], "output_channels": ["DAPI"], "pixel_size_um": None}
    recipe = {"name": "tiny_unet", "model": TINY_SPEC, "predict": {"tile_size": 64}}
    save_weights(path, model, {"recipe": recipe, "input_contract": contract})
    return path


def write_jump_folder(shared_data: Path, root: Path) -> Path:
    """A JUMP cpg0000 Phenix export of the real bright-field planes: wells r01c01 and r02c03,
    two sites each (256 x 256 crops), channels ch6 (over), ch7 (under), ch8 (focus)."""
    import tifffile

    from i2i.io import open_image

    source = shared_data / "jump_cpg0000_bf"
    planes = {
        6: open_image(source / "brightfield_over.tiff").read_plane(),
        7: open_image(source / "brightfield_under.tiff").read_plane(),
        8: open_image(source / "brightfield_focus.tiff").read_plane(),
    }
    images = root / "BR00116991__2020-11-05T19_51_35-Measurement1"
    images = images / "Images"
    images.mkdir(parents=True)
    crops = {("r01c01", 1): (0, 0), ("r01c01", 2): (0, 256), ("r02c03", 1): (256, 0)}
    crops[("r02c03", 2)] = (256, 256)
    for (well, site), (y, x) in crops.items():
        for channel, plane in planes.items():
            name = f"{well}f{site:02d}p01-ch{channel}sk1fk1fl1.tiff"
            tifffile.imwrite(images / name, plane[y : y + 256, x : x + 256])
    return images.parent


def save_bright_field_weights(path: Path) -> Path:
    """Tiny UNet weights: the three JUMP bright-field planes -> DNA, at 0.598 µm."""
    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(0)
    spec = {
        "in_channels": 3,
        "out_channels": 1,
        "generator": {"name": "unet", "depth": 2, "base_channels": 8, "norm": "group", "groups": 4},
    }
    contract = {
        "input_channels": ["BF_over", "BF_under", "BF_focus"],
        "output_channels": ["DNA"],
        "pixel_size_um": 0.598,
    }
    save_weights(
        path, build_model(spec).eval(), {"recipe": {"model": spec}, "input_contract": contract}
    )
    return path


PLATES_PAGE = Path(__file__).resolve().parents[1] / "docs" / "plates.md"


def page_block(heading: str, language: str) -> str:
    """The first ``language`` code block of docs/plates.md after ``heading``."""
    section = PLATES_PAGE.read_text().split(heading, 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert found is not None, f"docs/plates.md lost its {language} block under {heading!r}"
    return found.group(1)


def run_bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A docs page's ``script`` run in ``cwd`` (:func:`docs_support.run_bash`), one thread per
    process (the pages' commands start several)."""
    return docs_support.run_bash(script, cwd, OMP_NUM_THREADS="1", **env)


def write_screen(shared_data: Path, root: Path) -> Path:
    """The JUMP folder of the real bright-field planes, with ch5 (DNA) files cut from the real
    ISL DAPI image (another sample: enough for the commands, not for a meaningful score), and
    jump_dna.safetensors, in ``root`` (the folder the docs' commands run in)."""
    import tifffile

    from i2i.io import open_image

    dapi = open_image(next((shared_data / "isl_condition_b").glob("*DAPI_CONFOCAL*")))
    isl_dapi = dapi.read_plane()
    export = write_jump_folder(shared_data, root)
    for plane in (export / "Images").glob("*-ch8sk1fk1fl1.tiff"):
        y, x = (0, 0) if "f01" in plane.name else (256, 256)
        dna = plane.with_name(plane.name.replace("-ch8", "-ch5"))
        tifffile.imwrite(dna, isl_dapi[y : y + 256, x : x + 256])
    save_bright_field_weights(root / "jump_dna.safetensors")
    return root
