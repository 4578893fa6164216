"""``i2i plate convert``: a dataset folder of per-site TIFFs becomes one HCS OME-Zarr plate.

The folder is read by the installed dataset layout (``jump_cellpaint`` for JUMP cpg0000
``r01c01f01p01-ch1sk1fk1fl1.tiff``, ``lmc`` for Light My Cells), found through the datasets
registry, so the file-name rules live with the layout and nowhere else. Each field record
becomes one field image whose channels are its input planes (named like the layout's
channels; a channel with several z-planes gives ``<name>_z<k>``) followed by its targets.

Wells: a record with a ``well`` key ``r02c03`` (JUMP) goes to row ``B`` column ``03``, its
sites to fields ``0, 1, ...`` in site order; records without wells (LMC) get one well each,
a row per value of their first grouping key (the study) and a column per field. The plate is
written with :func:`~i2i_plugins.hcs_plates.writing.open_output_plate`, fields one by one and
atomically, so an interrupted conversion resumes when run again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from i2i.data import FieldRecord, PlaneRef
from i2i.image import PixelSizes
from i2i_plugins.hcs_plates.errors import PlateError
from i2i_plugins.hcs_plates.metadata import Well
from i2i_plugins.hcs_plates.writing import (
    PlateLayout,
    complete_plate,
    field_is_written,
    open_output_plate,
)

LAYOUTS = {"jump": "jump_cellpaint", "lmc": "lmc"}
"""The layouts ``--layout`` accepts and the dataset component that reads each."""

_JUMP_WELL = re.compile(r"r(\d+)c(\d+)$")


def convert_to_plate(
    source: str | Path,
    destination: str | Path,
    layout: str = "jump",
    *,
    zarr_format: int = 3,
    pixel_size_um: float | None = None,
) -> int:
    """Write the dataset at ``source`` as the plate ``destination``; return the fields written."""
    from i2i.io import write_image

    records = _records(Path(source), layout)
    placed = place_fields(records)
    channels = {address: field_channels(record) for address, record in placed.items()}
    plate_layout = _layout(placed, channels)
    plate = open_output_plate(
        Path(destination), plate_layout, zarr_format=zarr_format, name=Path(source).name
    )
    written = 0
    for address, record in placed.items():
        if field_is_written(plate, address):
            continue
        names = [name for name, _ in channels[address]]
        array = _stack(record, channels[address])
        size = pixel_size_um or record.pixel_size_um
        write_image(
            plate.field_path(address),
            array,
            channel_names=names,
            pixel_sizes=PixelSizes(y=size, x=size),
            writer={"name": "ome_zarr", "zarr_format": zarr_format},
        )
        written += 1
    complete_plate(plate.path)
    return written


def _records(source: Path, layout: str) -> list[FieldRecord]:
    from i2i.plugins import get_registries

    if layout not in LAYOUTS:
        raise PlateError(f"--layout {layout!r}: give one of {', '.join(LAYOUTS)}.")
    dataset = get_registries().datasets.create(
        {"name": LAYOUTS[layout], "root": str(source), "require_target": False}
    )
    return list(dataset.index())


def place_fields(records: list[FieldRecord]) -> dict[str, FieldRecord]:
    """Each record's field address ``"B/03/0"``, in plate order."""
    plates = {r.groups["plate"] for r in records if "plate" in r.groups}
    if len(plates) > 1:
        raise PlateError(
            f"the folder holds {len(plates)} plates ({', '.join(sorted(plates))}); a plate file "
            "holds one. Convert each plate's folder on its own."
        )
    by_well: dict[tuple[str, str], list[FieldRecord]] = defaultdict(list)
    for position, record in enumerate(records):
        by_well[_well_of(record, position, records)].append(record)
    placed = {}
    for (row, column), fields in sorted(by_well.items(), key=lambda i: (len(i[0][0]), i[0])):
        for index, record in enumerate(sorted(fields, key=lambda r: r.field_id)):
            placed[f"{row}/{column}/{index}"] = record
    return placed


def _well_of(record: FieldRecord, position: int, records: list[FieldRecord]) -> tuple[str, str]:
    well = record.groups.get("well", "")
    match = _JUMP_WELL.search(well)
    if match is not None:
        return row_name(int(match[1]) - 1), f"{int(match[2]):02d}"
    key = next(iter(record.groups), None)
    strata = sorted({r.groups.get(key, "") for r in records} if key else {""})
    stratum = record.groups.get(key, "") if key else ""
    same = [r for r in records if (r.groups.get(key, "") if key else "") == stratum]
    return row_name(strata.index(stratum)), f"{same.index(record) + 1:02d}"


def row_name(index: int) -> str:
    """Plate row names: 0 -> A, 25 -> Z, 26 -> AA (as 1536-well plates name them)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def field_channels(record: FieldRecord) -> list[tuple[str, PlaneRef]]:
    """The field's channels: input planes (``<name>_z<k>`` when a name has several), targets."""
    counts: dict[str, int] = defaultdict(int)
    for plane in record.inputs:
        counts[plane.channel] += 1
    channels = [
        (
            plane.channel if counts[plane.channel] == 1 else f"{plane.channel}_z{plane.z}",
            plane.source,
        )
        for plane in record.inputs
    ]
    return channels + sorted(record.targets.items())


def _layout(
    placed: dict[str, FieldRecord], channels: dict[str, list[tuple[str, PlaneRef]]]
) -> PlateLayout:
    wells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for address in placed:
        row, column, field = address.split("/")
        wells[(row, column)].append(field)
    rows = sorted({row for row, _ in wells}, key=lambda r: (len(r), r))
    columns = sorted({column for _, column in wells})
    names = list(dict.fromkeys(name for planes in channels.values() for name, _ in planes))
    return PlateLayout(
        tuple(rows),
        tuple(columns),
        tuple(Well(row, column, tuple(fields)) for (row, column), fields in wells.items()),
        tuple(names),
    )


def _stack(record: FieldRecord, channels: list[tuple[str, PlaneRef]]) -> np.ndarray:
    """The field's planes as one (1, C, 1, Y, X) array; planes of other sizes are an error."""
    from i2i.io import open_image

    planes = []
    for _, ref in channels:
        with open_image(ref.path) as image:
            planes.append(image.read_plane(channel=ref.channel, z=ref.z))
    shapes = {plane.shape for plane in planes}
    if len(shapes) > 1:
        raise PlateError(
            f"field {record.field_id!r}: its planes have different sizes "
            f"({', '.join(f'{n} {p.shape}' for (n, _), p in zip(channels, planes, strict=True))}); "
            "the channels of one field must have one size."
        )
    dtype = np.result_type(*planes)
    return np.stack([p.astype(dtype) for p in planes])[None, :, None]
