"""``i2i predict PLATE --into``: each field's prediction written inside the plate, beside it.

NGFF 0.4 and 0.5 keep a field's channels as an axis of each of its arrays, so channels cannot
be added to a field without rewriting its arrays; an image listed in a well's ``images`` is
another field of view (ome-zarr-py's well view tiles a well's fields and needs them of one
shape); ``labels`` are integer segmentations. So the prediction of a field is an OME-Zarr image
nested in the field, as labels are: ``B/03/0/predictions/<name>`` (``<name>`` from the
predicted channels, ``DNA``), with the field's size and pixel sizes, which every NGFF reader
(ome-zarr-py, napari-ome-zarr, i2i) opens at that path and which overlays the field. Nothing
that exists is written: the fields' arrays and metadata and the plate's and wells' metadata
stay byte for byte as they were; only new folders appear.

Each field's ``predictions`` group is a zarr group whose attributes record, under ``i2i``, each
prediction's channels and model; it is written atomically before the image. The image is
written by the core's OME-Zarr writer under a temporary name and renamed into place, so a
field whose prediction image exists is done and a re-run skips it. A plate whose fields hold
a prediction of these channels by another model is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2i.atomic import write_text_atomic
from i2i_plugins.hcs_plates.errors import PlateLayoutError
from i2i_plugins.hcs_plates.metadata import Plate, group_attributes
from i2i_plugins.hcs_plates.writing import I2I_KEY

PREDICTIONS = "predictions"
"""The group, inside each field, that holds the field's predictions."""


@dataclass(frozen=True)
class IntoRecord:
    """One prediction written into a plate: its name, channels and the model that made it."""

    name: str
    channels: tuple[str, ...]
    model: str
    """The model's identity: ``sha256:<hex>`` of a weights file, else the path or name."""

    @classmethod
    def of(cls, channels: Sequence[str], model: str | Path) -> IntoRecord:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", "_".join(channels))
        return cls(name, tuple(channels), model_identity(model))

    def as_json(self) -> dict[str, Any]:
        return {"channels": list(self.channels), "model": self.model}


def model_identity(model: str | Path) -> str:
    """``sha256:<hex>`` of a weights file, the resolved path of a folder, else the name."""
    from i2i.hashing import sha256_file

    path = Path(model).expanduser()
    if path.is_file():
        return f"sha256:{sha256_file(path)}"
    return str(path.resolve()) if path.is_dir() else str(model)


def prediction_path(plate: Plate, address: str, name: str) -> Path:
    """Where the prediction ``name`` of the field ``address`` is written."""
    return plate.field_path(address) / PREDICTIONS / name


def stored_records(plate: Plate, address: str) -> dict[str, Any]:
    """The predictions recorded in a field's ``predictions`` group (name -> record)."""
    attributes = group_attributes(plate.field_path(address) / PREDICTIONS) or {}
    record = attributes.get(I2I_KEY, {})
    found = record.get("predictions", {}) if isinstance(record, dict) else {}
    return found if isinstance(found, dict) else {}


def check_into_format(plate: Plate, zarr_format: int | None) -> None:
    """Refuse a ``--zarr-format`` other than the plate's own."""
    if zarr_format is not None and zarr_format != plate.zarr_format:
        raise PlateLayoutError(
            f"{plate.path}: --into writes the predictions in the plate's own zarr format "
            f"({plate.zarr_format}), not --zarr-format {zarr_format}. Leave --zarr-format out, "
            "or write a new plate with -o."
        )


def check_into(plate: Plate, record: IntoRecord) -> None:
    """Refuse a plate whose fields hold these channels (or this name) from another model."""
    for address in plate.field_addresses:
        for name, stored in stored_records(plate, address).items():
            channels = stored.get("channels", []) if isinstance(stored, dict) else []
            same = name == record.name and stored == record.as_json()
            if not same and (name == record.name or set(channels) & set(record.channels)):
                raise PlateLayoutError(
                    f"{plate.field_path(address) / PREDICTIONS / name}: the plate already holds "
                    f"predicted channels {channels} by the model {stored.get('model')!r}, not "
                    f"by this one ({record.model}); i2i does not write over them. Resume with "
                    "the same model, or predict into a new plate with -o OUT."
                )


def prepare_field(plate: Plate, address: str, record: IntoRecord) -> None:
    """Write (atomically) the field's ``predictions`` group recording ``record``, once."""
    stored = stored_records(plate, address)
    if stored.get(record.name) == record.as_json():
        return
    group = plate.field_path(address) / PREDICTIONS
    attributes = {I2I_KEY: {"predictions": {**stored, record.name: record.as_json()}}}
    group.mkdir(exist_ok=True)
    if plate.zarr_format == 3:
        meta = {"zarr_format": 3, "node_type": "group", "attributes": attributes}
        write_text_atomic(group / "zarr.json", json.dumps(meta, indent=2))
    else:
        write_text_atomic(group / ".zattrs", json.dumps(attributes, indent=2))
        write_text_atomic(group / ".zgroup", json.dumps({"zarr_format": 2}))


def predicted_fields(plate: Plate, name: str) -> list[str]:
    """The fields whose prediction ``name`` is in place (images are renamed there complete)."""
    found = []
    for address in plate.field_addresses:
        attributes = group_attributes(prediction_path(plate, address, name))
        if attributes is not None and "multiscales" in attributes:
            found.append(address)
    return found


def plate_predictions(plate: Plate) -> dict[str, dict[str, Any]]:
    """Every prediction written into the plate: name -> channels, model, fields written."""
    found: dict[str, dict[str, Any]] = {}
    for address in plate.field_addresses:
        for name, stored in stored_records(plate, address).items():
            found.setdefault(name, dict(stored))
    for name, entry in found.items():
        entry["fields_written"] = len(predicted_fields(plate, name))
    return found
