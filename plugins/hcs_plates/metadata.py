"""Reading HCS OME-Zarr plates: NGFF 0.4 (zarr v2) and 0.5 (zarr v3) ``plate`` and ``well``.

References: https://ngff.openmicroscopy.org/0.4/#hcs-layout and
https://ngff.openmicroscopy.org/0.5/#hcs-layout. A plate is a zarr group whose attributes hold
``plate`` (0.4) or ``ome.plate`` (0.5): ``rows`` and ``columns`` (names), ``wells`` (``path``
``"<row>/<column>"`` with ``rowIndex`` and ``columnIndex``). Each well group holds ``well``
(``ome.well``) with ``images``, the paths of its fields; each field is an NGFF multiscale
image, which the core's OME-Zarr reader opens as ``plate.zarr/B/03/0``.

Only the few keys i2i uses are read, straight from the JSON files, so that every problem is
reported with the path of the group it is in (a well listed but missing, a field without image
metadata) rather than as a validation error of a whole plate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2i_plugins.hcs_plates.errors import PlateError

JSON = dict[str, Any]


@dataclass(frozen=True)
class Well:
    """One well: its row and column names and the paths of its fields (``"0"``, ``"1"``...)."""

    row: str
    column: str
    fields: tuple[str, ...]

    @property
    def path(self) -> str:
        """``"<row>/<column>"``, the well's folder inside the plate."""
        return f"{self.row}/{self.column}"


@dataclass(frozen=True)
class Plate:
    """An HCS plate as its metadata describes it (pixels are read field by field)."""

    path: Path
    version: str
    name: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[Well, ...]
    attributes: JSON
    """The root group's attributes as stored (i2i keeps its progress under ``i2i``)."""

    @property
    def zarr_format(self) -> int:
        """3 for a zarr v3 plate (NGFF 0.5), else 2 (NGFF 0.4 and earlier)."""
        return 3 if (self.path / "zarr.json").is_file() else 2

    @property
    def field_addresses(self) -> list[str]:
        """Every field as ``"B/03/0"``, wells in row then column order, fields as listed."""
        return [f"{well.path}/{field}" for well in self.wells for field in well.fields]

    def field_path(self, address: str) -> Path:
        """The folder of the field ``"B/03/0"``."""
        return self.path / address


def group_attributes(folder: Path) -> JSON | None:
    """The attributes of the zarr group at ``folder`` (``ome`` unwrapped), or ``None``."""
    for name in ("zarr.json", ".zattrs"):
        meta = folder / name
        if not meta.is_file():
            continue
        try:
            stored = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PlateError(f"{meta}: the zarr metadata cannot be read ({exc}).") from exc
        attributes = stored.get("attributes", {}) if name == "zarr.json" else stored
        if not isinstance(attributes, dict):
            raise PlateError(f"{meta}: the group attributes are not a JSON object.")
        ome = attributes.get("ome")
        return {**attributes, **ome} if isinstance(ome, dict) else attributes
    return None


def is_plate(path: Path) -> bool:
    """Whether ``path`` is a folder whose group attributes hold NGFF ``plate`` metadata."""
    try:
        attributes = group_attributes(Path(path)) if Path(path).is_dir() else None
    except PlateError:
        return False
    return attributes is not None and isinstance(attributes.get("plate"), dict)


def read_plate(path: str | Path) -> Plate:
    """The plate at ``path``: rows, columns, wells and their fields, checked to exist."""
    path = Path(path)
    if not path.exists():
        raise PlateError(f"{path}: no such plate folder. Check the path.")
    attributes = group_attributes(path)
    plate = (attributes or {}).get("plate")
    if not isinstance(plate, dict):
        raise PlateError(
            f"{path}: not an HCS OME-Zarr plate (no NGFF 'plate' metadata in its zarr.json or "
            ".zattrs). A single image is read with 'i2i info'; a folder of TIFFs becomes a "
            "plate with 'i2i plate convert'."
        )
    assert attributes is not None
    rows = _names(path, plate, "rows")
    columns = _names(path, plate, "columns")
    version = str(attributes.get("version") or plate.get("version") or "0.4")
    wells = [_read_well(path, entry, rows, columns) for entry in _list(path, plate, "wells")]
    wells.sort(key=lambda w: (rows.index(w.row), columns.index(w.column)))
    name = plate.get("name")
    return Plate(
        path, version, None if name is None else str(name), rows, columns, tuple(wells), attributes
    )


def _list(path: Path, metadata: JSON, key: str) -> list[Any]:
    value = metadata.get(key)
    if not isinstance(value, list) or not value:
        raise PlateError(
            f"{path}: its plate metadata has no {key!r} list; it is not a valid plate."
        )
    return value


def _names(path: Path, plate: JSON, key: str) -> tuple[str, ...]:
    entries = _list(path, plate, key)
    if not all(isinstance(e, dict) and "name" in e for e in entries):
        raise PlateError(f"{path}: an entry of the plate's {key!r} has no 'name'.")
    return tuple(str(e["name"]) for e in entries)


def _read_well(plate: Path, entry: Any, rows: tuple[str, ...], columns: tuple[str, ...]) -> Well:
    well_path = entry.get("path") if isinstance(entry, dict) else None
    row, _, column = str(well_path).partition("/")
    if row not in rows or column not in columns:
        raise PlateError(
            f"{plate}: the plate lists a well {well_path!r}, which is not '<row>/<column>' of "
            f"its rows {list(rows)} and columns {list(columns)}."
        )
    folder = plate / row / column
    attributes = group_attributes(folder) if folder.is_dir() else None
    if attributes is None:
        raise PlateError(
            f"{folder}: the plate lists well {well_path!r} but it has no zarr group there; the "
            "plate is incomplete (copy the missing well or remove it from the plate metadata)."
        )
    well = attributes.get("well")
    images = well.get("images") if isinstance(well, dict) else None
    if not isinstance(images, list) or not images:
        raise PlateError(f"{folder}: no NGFF 'well' metadata listing its fields ('images').")
    fields = tuple(str(image.get("path")) for image in images if isinstance(image, dict))
    return Well(row, column, fields)


def check_fields(plate: Plate) -> None:
    """Raise :class:`PlateError` naming the first field listed whose image metadata is missing."""
    for address in plate.field_addresses:
        field = plate.field_path(address)
        attributes = group_attributes(field) if field.is_dir() else None
        if attributes is None or "multiscales" not in attributes:
            raise PlateError(
                f"{field}: the plate lists field {address!r} but there is no OME-Zarr image "
                "there (no 'multiscales' metadata); the plate is incomplete."
            )


def field_channel_names(field: Path) -> list[str]:
    """The channel labels in a field's ``omero`` metadata (empty when it has none)."""
    attributes = group_attributes(field) or {}
    channels = attributes.get("omero", {}).get("channels", [])
    return [str(c.get("label", f"C{i}")) for i, c in enumerate(channels)]
