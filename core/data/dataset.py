"""The torch ``Dataset`` of fields: reads only the planes and tiles a sample needs.

Each item is the contract dict ``{"input": (Cin, H, W) float32, "target": (Cout, H, W)
float32, "mask": (Cout,) float32 (1 = target present), "meta": dict}``. A target the field
lacks is zeros with mask 0, so a multi-output loss ignores it. Transforms are called as
``transform(sample, rng)`` with a ``numpy.random.Generator`` seeded by (seed, epoch, index):
a sample's augmentation depends on nothing else — not on the number of workers, not on how far
a data loader has read ahead — so a resumed run sees exactly the batches of an uninterrupted
one. Call :meth:`FieldDataset.set_epoch` before each epoch; the epoch lives in shared memory,
so the data loader's persistent workers (which keep their copy of the dataset from one epoch to
the next) draw the new epoch's augmentations too. With ``repeat`` each sample
appears that many times per epoch, each time augmented differently (many random crops of a
few large fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import Dataset

from i2i.data.errors import DataError
from i2i.data.images import ImageCache
from i2i.data.params import TilingParams, ZSelection
from i2i.data.records import FieldRecord
from i2i.data.regions import Band
from i2i.data.selection import SampleRef, check_channel_counts, input_sources, select_planes
from i2i.data.tiling import Tile, keep_tiles, tile_grid
from i2i.data.transforms import Sample, Transform


class FieldDataset(Dataset[Sample]):
    """Samples of ``records``: plane groups chosen by ``z``, optionally tiled and resampled."""

    def __init__(
        self,
        records: Sequence[FieldRecord],
        target_names: Sequence[str],
        *,
        z: ZSelection = "each",
        tiles: TilingParams | None = None,
        resample_to_um: float | None = None,
        transforms: Sequence[Transform] = (),
        reader: str | None = None,
        seed: int = 0,
        band: Band | None = None,
        repeat: int = 1,
    ):
        self.records = list(records)
        self.repeat = repeat
        self.target_names = list(target_names)
        self.resample_to_um = resample_to_um
        self.transforms = list(transforms)
        self.seed = seed
        self._epoch = torch.zeros((), dtype=torch.int64).share_memory_()
        self.band = band
        self.images = ImageCache(reader)
        self.samples = self._plan(z, tiles)
        self.in_channels = check_channel_counts(self.records, self.samples)

    # -- planning -----------------------------------------------------------------------------
    def _plan(self, z: ZSelection, tiles: TilingParams | None) -> list[SampleRef]:
        samples = []
        for index, record in enumerate(self.records):
            window = self._window(record)
            field_tiles: list[Tile | None] = [window]
            if tiles is not None:
                field_tiles = list(self._tiles(record, tiles, window))
            samples += [
                SampleRef(index, planes, tile)
                for planes in select_planes(record, z)
                for tile in field_tiles
            ]
        return samples

    def _window(self, record: FieldRecord) -> Tile | None:
        """The part of the field this dataset uses: its hold-out band (or the rest), or all."""
        if self.band is None:
            return None
        return self.band.window(*self.images.plane_shape(record.inputs[0].source))

    def _tiles(self, record: FieldRecord, tiles: TilingParams, window: Tile | None) -> list[Tile]:
        y0, x0, height, width = window or (0, 0, *self.images.plane_shape(record.inputs[0].source))
        size = tiles.size
        if size is not None and self.resample_to_um is not None:
            size = max(1, round(size * self.resample_to_um / self._pixel_size(record)))
        grid = [
            (y0 + y, x0 + x, h, w)
            for y, x, h, w in tile_grid(height, width, grid=tiles.grid, size=size)
        ]
        targets = [self.images.read(record.targets[n]) for n in self._present(record)]
        return keep_tiles(grid, targets, tiles.min_foreground)

    def _present(self, record: FieldRecord) -> list[str]:
        return [name for name in self.target_names if name in record.targets]

    def _pixel_size(self, record: FieldRecord) -> float:
        if record.pixel_size_um is None:
            raise DataError(
                f"field {record.field_id!r} has no recorded pixel size, so it cannot be "
                f"resampled to {self.resample_to_um} µm. Set the layout's pixel_size_um, or "
                "set data.dataset.resample_to_um to null."
            )
        return record.pixel_size_um

    @property
    def epoch(self) -> int:
        """The epoch whose augmentations are drawn (the same in the loader's workers)."""
        return int(self._epoch)

    def set_epoch(self, epoch: int) -> None:
        """Draw the augmentations of ``epoch``, here and in the persistent loader workers."""
        self._epoch.fill_(epoch)

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.samples) * self.repeat

    def __getitem__(self, index: int) -> Sample:
        ref = self.samples[index % len(self.samples)]  # repetitions differ by their seed
        record = self.records[ref.record]
        y, x = (None, None) if ref.tile is None else _region(ref.tile)
        inputs = np.stack([self.images.read(s, y, x) for s in input_sources(record, ref.z)])
        target, mask = self._targets(record, inputs.shape[1:], y, x)
        sample: Sample = {
            "input": torch.from_numpy(inputs.astype(np.float32)),  # (Cin, H, W)
            "target": torch.from_numpy(target),  # (Cout, H, W)
            "mask": torch.from_numpy(mask),  # (Cout,)
            "meta": self._meta(record, ref),
        }
        if self.resample_to_um is not None:
            sample = self._resample(sample, self._pixel_size(record) / self.resample_to_um)
        rng = np.random.default_rng([self.seed, self.epoch, index])
        for transform in self.transforms:
            sample = transform(sample, rng)
        return sample

    def _targets(
        self, record: FieldRecord, shape: tuple[int, ...], y: slice | None, x: slice | None
    ) -> tuple[np.ndarray, np.ndarray]:
        target = np.zeros((len(self.target_names), *shape), dtype=np.float32)  # (Cout, H, W)
        mask = np.zeros(len(self.target_names), dtype=np.float32)
        for channel, name in enumerate(self.target_names):
            if name not in record.targets:
                continue
            plane = self.images.read(record.targets[name], y, x)
            if plane.shape != shape:
                raise DataError(
                    f"field {record.field_id!r}: target {name!r} ({record.targets[name].path}) "
                    f"is {plane.shape[0]}x{plane.shape[1]} pixels but the input is "
                    f"{shape[0]}x{shape[1]}. Inputs and targets of a field must be registered "
                    "images of the same size."
                )
            target[channel], mask[channel] = plane, 1.0
        return target, mask

    def _meta(self, record: FieldRecord, ref: SampleRef) -> dict[str, Any]:
        return {
            "field_id": record.field_id,
            "z": list(ref.z),
            "tile": ref.tile,
            "modality": record.modality,
            "groups": dict(record.groups),
            "pixel_size_um": self.resample_to_um or record.pixel_size_um,
        }

    @staticmethod
    def _resample(sample: Sample, factor: float) -> Sample:
        height, width = sample["input"].shape[-2:]
        size = (max(1, round(height * factor)), max(1, round(width * factor)))
        if size == (height, width):
            return sample
        for key in ("input", "target"):
            sample[key] = F.interpolate(
                sample[key][None], size=size, mode="bilinear", antialias=True, align_corners=False
            )[0]
        return sample


def _region(tile: Tile) -> tuple[slice, slice]:
    y0, x0, height, width = tile
    return slice(y0, y0 + height), slice(x0, x0 + width)
