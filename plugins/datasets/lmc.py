"""The Light My Cells layout (ISBI 2024 challenge, https://lightmycells.grand-challenge.org).

::

    Study_3/image_12_BF_z0.ome.tiff ... image_12_BF_z10.ome.tiff   transmitted-light z-planes
    Study_3/image_12_Nucleus.ome.tiff, image_12_Tubulin.ome.tiff     1-3 of 4 organelles

A field is ``<study folder>/image_<id>``. It has one modality (BF, DIC or PC), 1-33 z-planes
and some of the organelles Nucleus, Mitochondria, Actin, Tubulin (never all four). The pixel
size (60-162 nm, by study) is read from the OME metadata.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from i2i.data import DataError, FieldRecord, InputPlane, Layout, PlaneRef
from i2i.data.images import ImageCache
from i2i_plugins.datasets.naming import FileNaming
from i2i_plugins.datasets.params import LMCParams

SUFFIXES = (".ome.tiff", ".ome.tif")
INPUT = FileNaming(
    "image_{id}_{modality}_z{z}", {"id": r"\d+", "modality": "BF|DIC|PC", "z": r"\d+"}, SUFFIXES
)
"""A transmitted-light plane: ``image_12_BF_z4.ome.tiff``."""
TARGET = FileNaming(
    "image_{id}_{organelle}",
    {"id": r"\d+", "organelle": "Nucleus|Mitochondria|Actin|Tubulin"},
    SUFFIXES,
)
"""An organelle image: ``image_12_Nucleus.ome.tiff``."""


class LMCLayout(Layout):
    name = "lmc"
    params: LMCParams

    def scan(self) -> list[FieldRecord]:
        inputs: dict[str, list[tuple[str, int, Path]]] = defaultdict(list)
        targets: dict[str, dict[str, PlaneRef]] = defaultdict(dict)
        for path in sorted(self.root.rglob("*.tif*")):
            if (match := INPUT.match(path.name)) is not None:
                inputs[self._field(path, match["id"])].append(
                    (match["modality"], int(match["z"]), path)
                )
            elif (match := TARGET.match(path.name)) is not None:
                targets[self._field(path, match["id"])][match["organelle"]] = PlaneRef(path)
        records = [self._record(f, planes, targets[f]) for f, planes in inputs.items()]
        records = [r for r in records if r.modality in self.params.modalities]
        return self._with_pixel_sizes(records)

    def _field(self, path: Path, image_id: str) -> str:
        study = path.parent.relative_to(self.root).as_posix()
        return f"{study}/image_{image_id}" if study != "." else f"image_{image_id}"

    def _record(
        self, field_id: str, planes: list[tuple[str, int, Path]], targets: dict[str, PlaneRef]
    ) -> FieldRecord:
        modalities = sorted({modality for modality, _, _ in planes})
        if len(modalities) > 1:
            raise DataError(
                f"LMC field {field_id!r} has input planes of several modalities {modalities}; a "
                "Light My Cells field has one. Move the extra files to their own field id."
            )
        study = field_id.rpartition("/")[0] or self.root.name
        return FieldRecord(
            field_id=field_id,
            inputs=tuple(
                InputPlane(PlaneRef(path), channel=modality, z=z)
                for modality, z, path in sorted(planes, key=lambda p: p[1])
            ),
            targets=targets,
            groups={"study": study},
            modality=modalities[0],
        )

    def _with_pixel_sizes(self, records: list[FieldRecord]) -> list[FieldRecord]:
        mode = self.params.pixel_sizes
        if mode == "none":
            return records
        images = ImageCache(self.reader, capacity=1)
        by_study: dict[str, float | None] = {}
        result = []
        for record in records:
            study = record.groups["study"]
            if mode == "per_field" or study not in by_study:
                by_study[study] = images.open(record.inputs[0].source.path).pixel_sizes.x
            result.append(replace(record, pixel_size_um=by_study[study]))
        return result
