"""Index records: what a dataset layout knows about each field of view.

A dataset plugin turns a folder into a list of :class:`FieldRecord`. A record lists the input
planes of its field (one entry per file plane, labelled with its channel and z index), the
target image of each organelle it has (an organelle it lacks is simply absent: the sample's
mask marks it missing), grouping keys for splits (study, plate, well, site...), the
transmitted-light modality and the physical pixel size when known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PlaneRef:
    """One 2-D plane inside an image file: ``path`` at file channel ``channel`` and plane ``z``."""

    path: Path
    channel: int | str = 0
    z: int = 0


@dataclass(frozen=True)
class InputPlane:
    """An input plane of a field, labelled with its channel name and its z index in the field."""

    source: PlaneRef
    channel: str
    z: int = 0


@dataclass(frozen=True)
class FieldRecord:
    """One field of view: its input planes, its targets by organelle, its groups and pixel size."""

    field_id: str
    inputs: tuple[InputPlane, ...]
    targets: dict[str, PlaneRef] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    modality: str | None = None
    pixel_size_um: float | None = None

    @property
    def input_channels(self) -> list[str]:
        """Input channel names in first-seen order."""
        return list(dict.fromkeys(plane.channel for plane in self.inputs))

    @property
    def z_planes(self) -> list[int]:
        """Sorted z indices of the field's input planes."""
        return sorted({plane.z for plane in self.inputs})

    def input_plane(self, channel: str, z: int) -> PlaneRef:
        """The file plane holding input ``channel`` at ``z``."""
        for plane in self.inputs:
            if plane.channel == channel and plane.z == z:
                return plane.source
        raise KeyError(f"{self.field_id}: no input plane for channel {channel!r} at z={z}")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (what ``i2i data summary --json`` lists per field)."""
        return {
            "field_id": self.field_id,
            "groups": dict(self.groups),
            "modality": self.modality,
            "pixel_size_um": self.pixel_size_um,
            "input_channels": self.input_channels,
            "z_planes": self.z_planes,
            "targets": sorted(self.targets),
        }
