"""Writing HCS OME-Zarr plates: the plate skeleton once, each field atomically, then completion.

The NGFF ``plate`` and ``well`` metadata are written with ome-zarr-py
(:func:`ome_zarr.writer.write_plate_metadata`, :func:`~ome_zarr.writer.write_well_metadata`),
NGFF 0.4 on zarr v2 or 0.5 on zarr v3. Many processes and cluster jobs write one plate:

1. :func:`open_output_plate` publishes the skeleton (root and well groups listing every well
   and field, no pixels) by renaming a finished temporary folder onto the plate's name, which
   fails rather than replaces when another process published first; that process's plate is
   then checked like any existing one. A plate whose layout (wells, fields, channels) differs
   from the one wanted is refused (:class:`PlateLayoutError`), never overwritten.
2. Each field is an OME-Zarr image written by the core's writer under a temporary name and
   moved into place when complete, so a field folder that exists is done (its marker).
3. :func:`complete_plate` records in the root attributes (``i2i.complete``) that every field
   is written; it runs after each job and again after a resume, and changes nothing else.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from i2i.atomic import remove, remove_stale_temporaries, temporary_sibling, write_text_atomic
from i2i_plugins.hcs_plates.errors import PlateLayoutError
from i2i_plugins.hcs_plates.metadata import (
    Plate,
    Well,
    group_attributes,
    is_plate,
    read_plate,
)

I2I_KEY = "i2i"
"""The root attribute where i2i records a plate's channels and progress."""


@dataclass(frozen=True)
class PlateLayout:
    """What a plate holds: rows, columns, wells with their fields, and the channel names."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[Well, ...]
    channels: tuple[str, ...]

    @classmethod
    def of(cls, plate: Plate, channels: Sequence[str]) -> PlateLayout:
        """The layout of ``plate`` with ``channels`` (an output keeps the input's wells)."""
        return cls(plate.rows, plate.columns, plate.wells, tuple(channels))

    @property
    def field_count(self) -> int:
        """The most fields any well has (NGFF ``field_count``)."""
        return max(len(well.fields) for well in self.wells)

    def differences(self, other: PlateLayout) -> list[str]:
        """How the existing layout ``other`` differs from this one, a phrase each (none: same)."""
        found = []
        for what in ("rows", "columns", "channels"):
            mine, theirs = getattr(self, what), getattr(other, what)
            if mine != theirs:
                found.append(f"its {what} are {list(theirs)}, not {list(mine)}")
        wanted = {w.path: w.fields for w in self.wells}
        present = {w.path: w.fields for w in other.wells}
        missing = sorted(set(wanted) - set(present))
        extra = sorted(set(present) - set(wanted))
        changed = sorted(p for p in set(wanted) & set(present) if wanted[p] != present[p])
        if missing:
            found.append(f"it lacks well(s) {', '.join(missing)}")
        if extra:
            found.append(f"it has well(s) {', '.join(extra)} that the input has not")
        if changed:
            found.append(f"well(s) {', '.join(changed)} have other fields")
        return found


def stored_channels(plate: Plate) -> tuple[str, ...]:
    """The channel names i2i recorded when it created ``plate`` (empty for other plates)."""
    record = plate.attributes.get(I2I_KEY)
    return tuple(record.get("channels", ())) if isinstance(record, dict) else ()


def open_output_plate(
    path: Path, layout: PlateLayout, *, zarr_format: int, name: str | None = None
) -> Plate:
    """The output plate at ``path``: created with ``layout``, or the existing one if it fits."""
    path = Path(path)
    if not path.exists() or _is_empty_folder(path):
        _publish_skeleton(path, layout, zarr_format, name)
    return _checked_existing(path, layout)


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _checked_existing(path: Path, layout: PlateLayout) -> Plate:
    if not is_plate(path):
        raise PlateLayoutError(
            f"{path} exists and is not an HCS plate; i2i does not replace it. Give another "
            "output name, or delete it first."
        )
    plate = read_plate(path)
    differences = layout.differences(PlateLayout.of(plate, stored_channels(plate)))
    if differences:
        raise PlateLayoutError(
            f"{path}: this plate's layout differs from the one to write ({'; '.join(differences)})"
            ", so i2i refuses to write into it. Give another output plate, or delete it to "
            "start again."
        )
    return plate


def _publish_skeleton(path: Path, layout: PlateLayout, zarr_format: int, name: str | None) -> None:
    """Write the skeleton beside ``path`` and rename it there unless another process did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    temporary = temporary_sibling(path)
    try:
        write_skeleton(temporary, layout, zarr_format, name)
        if _is_empty_folder(path):
            path.rmdir()
        os.rename(temporary, path)  # never replaces a plate another process published
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not path.exists():
            raise
    finally:
        remove(temporary)


def write_skeleton(folder: Path, layout: PlateLayout, zarr_format: int, name: str | None) -> None:
    """The plate and well groups of ``layout`` at ``folder``, fields not yet written."""
    import zarr
    from ome_zarr.format import FormatV04, FormatV05

    write_plate_metadata, write_well_metadata = _ome_zarr_writers()
    version: Literal[2, 3] = 3 if zarr_format == 3 else 2
    fmt = FormatV05() if version == 3 else FormatV04()
    root = zarr.open_group(str(folder), mode="w", zarr_format=version)
    write_plate_metadata(
        root,
        list(layout.rows),
        list(layout.columns),
        [well.path for well in layout.wells],
        fmt=fmt,
        field_count=layout.field_count,
        name=name,
    )
    root.attrs[I2I_KEY] = {
        "channels": list(layout.channels),
        "fields": sum(len(well.fields) for well in layout.wells),
        "complete": False,
    }
    for well in layout.wells:
        group = root.require_group(well.row).require_group(well.column)
        write_well_metadata(group, [{"path": field} for field in well.fields], fmt=fmt)


def _ome_zarr_writers() -> tuple[Any, Any]:
    """ome-zarr-py's plate and well metadata writers (its import warns about its own ``Scaler``
    default, deprecated in 0.14, which i2i does not use)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*deprecated class Scaler", category=DeprecationWarning
        )
        from ome_zarr.writer import write_plate_metadata, write_well_metadata
    return write_plate_metadata, write_well_metadata


def field_is_written(plate: Plate, address: str) -> bool:
    """Whether the field's image is in place (fields are moved there only when complete)."""
    field = plate.field_path(address)
    attributes = group_attributes(field) if field.is_dir() else None
    return attributes is not None and "multiscales" in attributes


def written_fields(plate: Plate) -> list[str]:
    """The addresses of the fields of ``plate`` that are written."""
    return [a for a in plate.field_addresses if field_is_written(plate, a)]


def complete_plate(path: Path) -> bool:
    """Mark the plate complete when every field is written; return whether it is complete."""
    plate = read_plate(path)
    done = len(written_fields(plate)) == len(plate.field_addresses)
    record = plate.attributes.get(I2I_KEY)
    if done and isinstance(record, dict) and not record.get("complete"):
        _update_root_attribute(plate, {**record, "complete": True})
    return done


def _update_root_attribute(plate: Plate, record: dict[str, Any]) -> None:
    """Rewrite the root metadata file with ``record`` as the ``i2i`` attribute, atomically."""
    meta = plate.path / ("zarr.json" if plate.zarr_format == 3 else ".zattrs")
    stored = json.loads(meta.read_text(encoding="utf-8"))
    attributes = stored["attributes"] if plate.zarr_format == 3 else stored
    attributes[I2I_KEY] = record
    write_text_atomic(meta, json.dumps(stored, indent=2))
