"""The training domain written into exported weights (:class:`i2i.domain.TrainingDomain`).

Pixel sizes, z-plane counts and channel names come from the training fields' records (no
reading). The intensity statistics come from :data:`DOMAIN_SAMPLES` training items spread
evenly over the training set, drawn once per run as the training loader would draw them (read,
normalised, cropped and augmented by the training transforms; geometric augmentation does not
change the statistics): a sample of fields, not a second pass over the data. Each item
contributes a regular grid of at most :data:`i2i.domain.ITEM_PIXELS` pixels per channel.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import ConcatDataset, Dataset

from i2i.contract import InputContract
from i2i.data.dataset import FieldDataset
from i2i.data.transforms import Sample
from i2i.domain import TrainingDomain, channel_statistics, input_labels, item_pixels

DOMAIN_SAMPLES = 16
"""Training items the intensity statistics are computed from."""


def training_domain(
    dataset: Dataset[Sample], contract: InputContract, samples: int = DOMAIN_SAMPLES
) -> TrainingDomain:
    """The domain of the training set ``dataset`` (a field dataset or a mix of them)."""
    fields = list(_field_datasets(dataset))
    records = [(d, r) for d in fields for r in d.records]
    sizes = {d.resample_to_um or r.pixel_size_um for d, r in records}
    width = max((len(r.input_channels) for _, r in records), default=0)
    names = [
        list(dict.fromkeys(r.input_channels[i] for _, r in records if i < len(r.input_channels)))
        for i in range(width)
    ]
    length = len(dataset)  # type: ignore[arg-type]
    indices = sorted({int(i) for i in np.linspace(0, length - 1, min(samples, length))})
    items = [item_pixels(dataset[i]["input"]) for i in indices]
    return TrainingDomain(
        pixel_sizes_um=sorted(s for s in sizes if s is not None),
        z_plane_counts=sorted({len(r.z_planes) for _, r in records}),
        channel_names=names,
        input_labels=input_labels(names, contract),
        statistics=channel_statistics(items),
        samples=len(items),
    )


def _field_datasets(dataset: Dataset[Sample]) -> Iterator[FieldDataset]:
    if isinstance(dataset, FieldDataset):
        yield dataset
    elif isinstance(dataset, ConcatDataset):
        parts: Sequence[Dataset[Sample]] = dataset.datasets
        for part in parts:
            yield from _field_datasets(part)
