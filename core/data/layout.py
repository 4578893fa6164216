"""The base class of dataset layouts: a folder convention turned into :class:`FieldRecord` s."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path

from i2i.data.errors import DataError
from i2i.data.params import DatasetParams
from i2i.data.records import FieldRecord


def natural_key(text: str) -> list[str | int]:
    """Sort key ordering digit runs by value: ``image_9`` before ``image_10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


class Layout(ABC):
    """A dataset layout. Subclasses implement :meth:`scan`; their params name the targets.

    ``reader`` names the image reader used when the index needs metadata (pixel sizes, field
    sizes); ``None`` picks one by file type.
    """

    name: str = "layout"

    def __init__(self, params: DatasetParams, reader: str | None = None):
        self.params = params
        self.reader = reader
        self.root = Path(params.root).expanduser()

    @property
    def target_names(self) -> list[str]:
        """The organelles predicted, in model output order (the ``targets`` parameter)."""
        return list(self.params.targets)

    @property
    def input_names(self) -> list[str] | None:
        """Input channel names of the model's contract; ``None`` when the input is one channel."""
        return None

    @abstractmethod
    def scan(self) -> list[FieldRecord]:
        """Every field found under :attr:`root` (unfiltered, any order)."""

    def index(self) -> list[FieldRecord]:
        """The fields sorted by id, keeping those with inputs and (by default) a selected target."""
        if not self.root.exists():
            raise DataError(
                f"dataset {self.name!r}: root {str(self.root)!r} does not exist. Set "
                "data.dataset.root to the dataset folder (try 'i2i data demo DIR' for a demo)."
            )
        records = sorted(
            (r for r in self.scan() if r.inputs), key=lambda r: natural_key(r.field_id)
        )
        if self.params.require_target:
            wanted = set(self.target_names)
            records = [r for r in records if wanted & set(r.targets)]
        if not records:
            raise DataError(
                f"dataset {self.name!r}: no field with inputs and one of the targets "
                f"{self.target_names} under {str(self.root)!r}. Check the root folder and that "
                f"its files follow the {self.name} layout (see docs/data.md)."
            )
        return records
