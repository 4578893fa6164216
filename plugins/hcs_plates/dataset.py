"""The ``hcs_plate`` dataset layout: one field record per field of one or more plates.

A field's input planes and targets are channels of its OME-Zarr image chosen by name (the
core reader opens ``plate.zarr/B/03/0`` and reads a channel by its ``omero`` label). Grouping
keys: ``plate``, ``well`` (``<plate>/B/03``: with ``data.split.group_by: well`` no well is
split between training and validation), ``field``, and ``condition`` from an optional table.
"""

from __future__ import annotations

import csv
from pathlib import Path

from i2i.data import FieldRecord, InputPlane, Layout, PlaneRef
from i2i.data.errors import DataError
from i2i_plugins.hcs_plates.metadata import Plate, field_channel_names, is_plate, read_plate
from i2i_plugins.hcs_plates.params import PlateDatasetParams


class PlateDatasetLayout(Layout):
    name = "hcs_plate"
    params: PlateDatasetParams

    @property
    def input_names(self) -> list[str] | None:
        return list(self.params.inputs)

    def scan(self) -> list[FieldRecord]:
        conditions = (
            _read_conditions(Path(self.params.conditions)) if self.params.conditions else None
        )
        records = []
        for plate in self._plates():
            for well in plate.wells:
                if self.params.wells is not None and well.path not in self.params.wells:
                    continue
                for field in well.fields:
                    record = self._record(plate, f"{well.path}/{field}")
                    if conditions is not None:
                        record.groups["condition"] = _condition(conditions, record, plate)
                    records.append(record)
        return records

    def _plates(self) -> list[Plate]:
        if is_plate(self.root):
            return [read_plate(self.root)]
        found = sorted(p for p in self.root.iterdir() if is_plate(p)) if self.root.is_dir() else []
        if not found:
            raise DataError(
                f"dataset 'hcs_plate': {self.root} is not an HCS OME-Zarr plate and holds none. "
                "Set data.dataset.root to a plate or a folder of plates (convert TIFF folders "
                "with 'i2i plate convert')."
            )
        return [read_plate(p) for p in found]

    def _record(self, plate: Plate, address: str) -> FieldRecord:
        from i2i.io import open_image

        path = plate.field_path(address)
        names = field_channel_names(path)
        missing = [c for c in self.params.inputs if c not in names]
        if missing:
            raise DataError(
                f"{path}: no input channel {', '.join(map(repr, missing))}; the field has the "
                f"channels {names}. Set data.dataset.inputs to channels of the plate."
            )
        with open_image(path) as image:
            pixel_size = image.pixel_sizes.x
        label = _plate_label(plate)
        return FieldRecord(
            field_id=f"{label}/{address}",
            inputs=tuple(
                InputPlane(PlaneRef(path, channel=c), channel=c) for c in self.params.inputs
            ),
            targets={t: PlaneRef(path, channel=t) for t in self.params.targets if t in names},
            groups={
                "plate": label,
                "well": f"{label}/{address.rsplit('/', 1)[0]}",
                "field": f"{label}/{address}",
            },
            pixel_size_um=pixel_size,
        )


def _plate_label(plate: Plate) -> str:
    return plate.path.name.split(".")[0]


def _read_conditions(table: Path) -> dict[tuple[str, str], str]:
    """(plate or "", well) -> condition, from a CSV with columns well, condition [, plate]."""
    try:
        with table.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise DataError(f"data.dataset.conditions: {table} cannot be read ({exc}).") from exc
    if not rows or not {"well", "condition"} <= set(rows[0]):
        raise DataError(
            f"data.dataset.conditions: {table} needs the columns 'well' and 'condition' "
            "(and optionally 'plate'), one row per well."
        )
    return {(row.get("plate") or "", row["well"]): row["condition"] for row in rows}


def _condition(conditions: dict[tuple[str, str], str], record: FieldRecord, plate: Plate) -> str:
    well = record.groups["well"].split("/", 1)[1]
    for key in ((_plate_label(plate), well), ("", well)):
        if key in conditions:
            return conditions[key]
    raise DataError(
        f"{plate.path}: well {well!r} has no row in the conditions table; add one (columns "
        "well, condition) or leave the well out with data.dataset.wells."
    )
