"""``i2i plate info``: what a plate holds, from its metadata and its first field."""

from __future__ import annotations

from typing import Any

from i2i_plugins.hcs_plates.into import plate_predictions
from i2i_plugins.hcs_plates.metadata import Plate
from i2i_plugins.hcs_plates.writing import I2I_KEY, written_fields


def describe_plate(plate: Plate) -> dict[str, Any]:
    """Rows, columns, wells, fields, and the first field's channels, shape and pixel sizes."""
    from i2i.io import open_image

    addresses = plate.field_addresses
    written = written_fields(plate)
    entry: dict[str, Any] = {
        "path": str(plate.path),
        "ngff_version": plate.version,
        "name": plate.name,
        "rows": list(plate.rows),
        "columns": list(plate.columns),
        "wells": [well.path for well in plate.wells],
        "fields_per_well": sorted({len(well.fields) for well in plate.wells}),
        "fields": len(addresses),
        "fields_written": len(written),
    }
    record = plate.attributes.get(I2I_KEY)
    if isinstance(record, dict):
        entry["complete"] = bool(record.get("complete")) and len(written) == len(addresses)
    if written:
        with open_image(plate.field_path(written[0])) as image:
            first = image.describe()
        entry["first_field"] = written[0]
        for key in ("channel_names", "shape", "dtype", "pixel_sizes_um"):
            entry[key] = first[key]
    predictions = plate_predictions(plate)
    if predictions:
        entry["predictions"] = predictions
    return entry


def format_plate(entry: dict[str, Any]) -> str:
    """The description as aligned lines, like ``i2i info``."""
    rows = [
        ("NGFF", entry["ngff_version"]),
        ("rows", f"{len(entry['rows'])} ({', '.join(entry['rows'])})"),
        ("columns", f"{len(entry['columns'])} ({', '.join(entry['columns'])})"),
        ("wells", f"{len(entry['wells'])} ({', '.join(entry['wells'])})"),
        ("fields", _fields(entry)),
    ]
    if "channel_names" in entry:
        sizes = ", ".join(
            f"{axis} {value:g} µm" if value is not None else f"{axis} unknown"
            for axis, value in entry["pixel_sizes_um"].items()
        )
        rows += [
            ("channels", ", ".join(entry["channel_names"])),
            ("field shape", f"{' × '.join(map(str, entry['shape']))} (TCZYX), {entry['dtype']}"),
            ("pixel size", sizes),
        ]
    for name, prediction in entry.get("predictions", {}).items():
        rows.append(("predicted", _prediction(name, prediction, entry["fields"])))
    return "\n".join([entry["path"], *(f"  {key:<12}{value}" for key, value in rows)])


def _prediction(name: str, prediction: dict[str, Any], fields: int) -> str:
    channels = ", ".join(prediction.get("channels", []))
    written = prediction["fields_written"]
    return f"{channels} in <field>/predictions/{name}, {written} of {fields} fields written"


def _fields(entry: dict[str, Any]) -> str:
    per_well = "/".join(str(n) for n in entry["fields_per_well"])
    text = f"{entry['fields']} ({per_well} per well), {entry['fields_written']} written"
    if "complete" in entry:
        text += ", complete" if entry["complete"] else ", not complete"
    return text
