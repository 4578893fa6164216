"""A paired table: a CSV or Parquet file listing each field's input and target files.

Each row names input files (one column per input channel) and target files (one column per
target; an empty cell means the field lacks that target). Relative paths are resolved under the
dataset root. Without ``field_column`` each row is a field; with it, the rows of one field are
its z-planes (``z_column`` gives each row's plane index) and a target may be given on any row.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from i2i.data import DataError, FieldRecord, InputPlane, Layout, PlaneRef
from i2i_plugins.datasets.params import PairedTableParams


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV or Parquet table as dicts (missing cells as ``None``)."""
    import pandas as pd

    if not path.is_file():
        raise DataError(
            f"paired_table: table {str(path)!r} does not exist; set data.dataset.table."
        )
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except ImportError as exc:
        raise DataError(
            f"paired_table: reading {path.name} needs a Parquet engine ({exc}). Install pyarrow "
            "('pip install pyarrow') or convert the table to CSV."
        ) from None
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict(orient="records")


class PairedTableLayout(Layout):
    name = "paired_table"
    params: PairedTableParams

    @property
    def input_names(self) -> list[str] | None:
        return list(self.params.inputs) if len(self.params.inputs) > 1 else None

    def _table_path(self) -> Path:
        table = Path(self.params.table).expanduser()
        return table if table.is_absolute() else self.root / table

    def _file(self, value: Any) -> Path:
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else self.root / path

    def _check_columns(self, path: Path, rows: list[dict[str, Any]]) -> None:
        p = self.params
        named = [*p.inputs, *p.targets, *p.group_columns]
        named += [c for c in (p.field_column, p.z_column, p.modality_column) if c]
        named += [p.pixel_size_column] if p.pixel_size_column else []
        missing = [c for c in named if rows and c not in rows[0]]
        if missing:
            raise DataError(
                f"paired_table {str(path)!r} has no column(s) {missing}; its columns are "
                f"{list(rows[0])}. Fix the column names in data.dataset or in the table."
            )

    def scan(self) -> list[FieldRecord]:
        path = self._table_path()
        rows = read_table(path)
        self._check_columns(path, rows)
        by_field: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for number, row in enumerate(rows):
            column = self.params.field_column
            by_field[str(row[column]) if column else f"row{number:06d}"].append(row)
        return [self._record(field, field_rows) for field, field_rows in by_field.items()]

    def _record(self, field_id: str, rows: list[dict[str, Any]]) -> FieldRecord:
        p = self.params
        first = rows[0]
        inputs = tuple(
            InputPlane(PlaneRef(self._file(row[c])), channel=c, z=_z(row, p.z_column))
            for c in p.inputs
            for row in rows
            if row[c] is not None
        )
        targets = {
            c: PlaneRef(self._file(row[c])) for row in rows for c in p.targets if row[c] is not None
        }
        size = first[p.pixel_size_column] if p.pixel_size_column else None
        return FieldRecord(
            field_id=field_id,
            inputs=inputs,
            targets=targets,
            groups={c: str(first[c]) for c in p.group_columns},
            modality=str(first[p.modality_column]) if p.modality_column else None,
            pixel_size_um=float(size) if size is not None else None,
        )


def _z(row: dict[str, Any], column: str | None) -> int:
    return int(row[column]) if column and row[column] is not None else 0
