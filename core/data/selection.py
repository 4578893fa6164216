"""Input selection: which planes of a field make one sample's input channels.

``z`` is ``"each"`` (every z-plane of a field is its own sample, as Light My Cells needs),
``"middle"`` (the middle plane), ``"all"`` (every plane stacked as input channels, e.g. the 13
phase-contrast planes of the ISL sample) or a list of plane indices stacked as input channels.
Stacked inputs are ordered channel-major: for each input channel, its selected planes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from i2i.data.errors import DataError
from i2i.data.params import ZSelection
from i2i.data.records import FieldRecord, PlaneRef
from i2i.data.tiling import Tile


@dataclass(frozen=True)
class SampleRef:
    """One sample: a field (by position in the record list), its stacked planes, its tile."""

    record: int
    z: tuple[int, ...]
    tile: Tile | None = None


def select_planes(record: FieldRecord, z: ZSelection) -> list[tuple[int, ...]]:
    """The plane groups of ``record`` that become samples (one tuple per sample)."""
    planes = record.z_planes
    if z == "each":
        return [(plane,) for plane in planes]
    if z == "middle":
        return [(planes[len(planes) // 2],)]
    if z == "all":
        return [tuple(planes)]
    missing = [plane for plane in z if plane not in planes]
    if missing:
        raise DataError(
            f"field {record.field_id!r} has z-planes {planes} but data.dataset.z asks for "
            f"{list(z)} (missing {missing}). Choose planes every field has, or 'each'/'middle'."
        )
    return [tuple(z)]


def input_sources(record: FieldRecord, planes: tuple[int, ...]) -> list[PlaneRef]:
    """The file planes of one sample's input channels, channel-major."""
    try:
        return [record.input_plane(c, z) for c in record.input_channels for z in planes]
    except KeyError as exc:
        raise DataError(
            f"{exc.args[0]}: every input channel needs every selected plane. Select planes "
            "all channels have (data.dataset.z)."
        ) from None


def check_channel_counts(records: Sequence[FieldRecord], samples: Sequence[SampleRef]) -> int:
    """The number of input channels every sample has; differing counts are an error."""
    counts: dict[int, str] = {}
    for sample in samples:
        record = records[sample.record]
        counts.setdefault(len(record.input_channels) * len(sample.z), record.field_id)
    if len(counts) > 1:
        found = ", ".join(f"{n} (e.g. {field})" for n, field in sorted(counts.items()))
        raise DataError(
            f"samples have different numbers of input channels: {found}. A model needs a "
            "fixed number: stack the same planes for every field (data.dataset.z: 'each', "
            "'middle' or a list of planes every field has)."
        )
    return next(iter(counts), 0)
