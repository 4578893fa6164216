"""Files matched by a regular expression with named groups.

The expression is matched in full against each file's path relative to the root (with ``/``
separators). Its group ``channel`` says which channel a file holds; ``z`` (optional) its plane
index; every other named group is a grouping key, and together they identify the field. Files
whose channel is listed in ``inputs`` are input planes; those listed in ``targets`` are targets
(named by their channel value). Files that do not match are ignored.

The ISL sample (Christiansen et al. 2018; commas in its file names) is one field of 13
phase-contrast planes (``...,z_depth-<z>,channel-PHASE_CONTRAST,is_mask-false.png``) and three
confocal targets (``...,depth_computation-MAXPROJECT,channel-DAPI_CONFOCAL,...``); its regex,
inputs and targets are in ``docs/data.md``.
"""

from __future__ import annotations

import re
from collections import defaultdict

from i2i.data import DataError, FieldRecord, InputPlane, Layout, PlaneRef
from i2i_plugins.datasets.params import PatternParams

RESERVED = ("channel", "z")


class PatternLayout(Layout):
    name = "pattern"
    params: PatternParams

    @property
    def input_names(self) -> list[str] | None:
        return list(self.params.inputs) if len(self.params.inputs) > 1 else None

    def _compiled(self) -> re.Pattern[str]:
        try:
            pattern = re.compile(self.params.regex)
        except re.error as exc:
            raise DataError(
                f"pattern dataset: data.dataset.regex {self.params.regex!r} is not a valid "
                f"regular expression ({exc})."
            ) from None
        if "channel" not in pattern.groupindex:
            raise DataError(
                f"pattern dataset: data.dataset.regex {self.params.regex!r} has no named group "
                "'channel'; add one, e.g. '(?P<channel>\\w+)', to say which channel a file holds."
            )
        return pattern

    def scan(self) -> list[FieldRecord]:
        pattern = self._compiled()
        keys = [g for g in pattern.groupindex if g not in RESERVED]
        inputs: dict[tuple[str, ...], list[InputPlane]] = defaultdict(list)
        targets: dict[tuple[str, ...], dict[str, PlaneRef]] = defaultdict(dict)
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            match = pattern.fullmatch(path.relative_to(self.root).as_posix())
            if match is None:
                continue
            field = tuple(match[k] or "" for k in keys)
            channel, z = match["channel"], int(match.groupdict().get("z") or 0)
            if channel in self.params.inputs:
                inputs[field].append(InputPlane(PlaneRef(path), channel=channel, z=z))
            elif channel in self.params.targets:
                targets[field][channel] = PlaneRef(path)
        order = {channel: i for i, channel in enumerate(self.params.inputs)}
        return [
            FieldRecord(
                field_id="/".join(field) or "field",
                inputs=tuple(sorted(planes, key=lambda p: (order[p.channel], p.z))),
                targets=targets[field],
                groups=dict(zip(keys, field, strict=True)),
                modality=self.params.modality,
                pixel_size_um=self.params.pixel_size_um,
            )
            for field, planes in inputs.items()
        ]
