"""Data loaders from a recipe's ``data`` section: datasets per split, batching, sample order.

``build_dataloaders(data)`` takes the validated section (:class:`i2i.recipe.sections.
DataSection`) or a plain dict of the same keys, validated into that type first, so both get
the defaults of a recipe. What the section is turned into (layout, split, transforms, input
contract) comes from :mod:`i2i.data.build`; the order of training samples from
:mod:`i2i.data.sampling` and, with ``data.mix``, :mod:`i2i.data.mixing`.

Validation transforms default to the training ones made deterministic (see
:func:`i2i.data.transforms.validation_transforms`).

Workers persist from one epoch to the next (``persistent_workers``): they keep their open image
handles and remembered percentiles instead of starting again, and see the epoch set by
``set_epoch`` through shared memory (:class:`i2i.data.dataset.FieldDataset`). Batches are
pinned when CUDA is available, so that their copy to the GPU can be non-blocking. Workers
outlive a stop signal sent to the whole process group, so that a graceful stop can finish its
step (:mod:`i2i.data.workers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from i2i.contract import InputContract
from i2i.data.build import (
    build_layout,
    build_transforms,
    holdout_band,
    input_contract,
    resolve_split,
)
from i2i.data.errors import DataError
from i2i.data.layout import Layout
from i2i.data.records import FieldRecord
from i2i.data.splits import SPLITS
from i2i.data.transforms import Sample, Transform, validation_transforms
from i2i.recipe.sections import DataSection

if TYPE_CHECKING:
    import torch
    from torch.utils.data import DataLoader, Dataset, Sampler

    from i2i.data.dataset import FieldDataset


@dataclass
class DataLoaders:
    """What a training run needs from its data: loaders, split, and the input contract."""

    train: DataLoader[Sample]
    val: DataLoader[Sample] | None
    test: DataLoader[Sample] | None
    contract: InputContract
    splits: dict[str, list[str]]
    layout: Layout
    records: list[FieldRecord] = field(default_factory=list)


def build_dataloaders(
    data: DataSection | Mapping[str, object], split_path: str | Path | None = None, seed: int = 0
) -> DataLoaders:
    """Train/val/test loaders for a recipe's ``data`` section (see the module docstring).

    ``split_path``: a split file reused when it exists, written otherwise. ``seed`` seeds
    the shuffling of training batches and, with the epoch and sample index, augmentation.
    """
    from i2i.data.dataset import FieldDataset
    from i2i.recipe import data_section

    section = data if isinstance(data, DataSection) else data_section(data)
    path = None if split_path is None else Path(split_path)
    layout = build_layout(section.dataset, section.reader)
    records = layout.index()
    splits = resolve_split(records, section.split, path)
    train_transforms = build_transforms(section.transforms)
    contract = input_contract(layout, records, train_transforms)
    val_transforms = (
        validation_transforms(train_transforms)
        if section.val_transforms is None
        else build_transforms(section.val_transforms)
    )
    params = layout.params
    datasets: dict[str, FieldDataset | None] = dict.fromkeys(SPLITS)
    for name in SPLITS:
        wanted = set(splits[name])
        subset = [r for r in records if r.field_id in wanted]
        if subset:
            datasets[name] = FieldDataset(
                subset,
                layout.target_names,
                z=params.z,
                tiles=params.tiles,
                resample_to_um=params.resample_to_um,
                transforms=train_transforms if name == "train" else val_transforms,
                reader=layout.reader,
                seed=seed,
                band=holdout_band(section.split.holdout, inside=name != "train"),
                repeat=section.repeat if name == "train" else 1,
            )
    train = datasets["train"]
    if train is None:
        raise DataError(
            "the training split is empty: every field went to validation or test. Lower "
            "data.split.val_fraction / test_fraction, or add fields to the dataset."
        )
    held_out = (datasets["val"], datasets["test"])
    val, test = (None if d is None else _loader(d, section, _generator(seed)) for d in held_out)
    _check_batch_size(len(train), section)
    train_loader = _training_loader(train, section, seed, params.balance, train_transforms, path)
    return DataLoaders(train_loader, val, test, contract, splits, layout, records)


def _check_batch_size(samples: int, data: DataSection) -> None:
    """A batch cannot hold more samples than an epoch has: say so instead of shrinking it."""
    if samples < data.batch_size:
        raise DataError(
            f"data.batch_size is {data.batch_size} but the training split has only {samples} "
            f"sample(s) per epoch, so every batch would hold {samples}. Draw each sample several "
            f"times per epoch with data.repeat (at least {-(-data.batch_size // samples)}; each "
            "draw is augmented differently, e.g. another random crop), or lower data.batch_size."
        )


def _training_loader(
    train: FieldDataset,
    data: DataSection,
    seed: int,
    balance: str | None,
    transforms: Sequence[Transform],
    split_path: Path | None,
) -> DataLoader[Sample]:
    """The training loader: shuffled, balanced, or mixed with other datasets (``data.mix``).

    Balanced and mixed draws come from :class:`i2i.data.sampling.MixedSampler`: an epoch's
    samples depend on (seed, epoch) only, so a resumed run draws those of an uninterrupted one.
    """
    from i2i.data.mixing import mixed_training_set
    from i2i.data.sampling import balanced_sampler, sample_weights

    weights = sample_weights(train, balance)
    generator = _generator(seed)
    if data.mix:
        mixed, mixed_sampler = mixed_training_set(
            train, weights, data.mix, seed=seed, transforms=transforms, split_path=split_path
        )
        return _loader(mixed, data, generator, sampler=mixed_sampler)
    if weights is None:
        return _loader(train, data, generator, shuffle=True)
    return _loader(train, data, generator, sampler=balanced_sampler(train, weights, seed))


def _generator(seed: int) -> torch.Generator:
    import torch

    return torch.Generator().manual_seed(seed)


def _loader(
    dataset: Dataset[Sample],
    data: DataSection,
    generator: torch.Generator,
    *,
    shuffle: bool = False,
    sampler: Sampler[int] | None = None,
) -> DataLoader[Sample]:
    import torch
    from torch.utils.data import DataLoader

    from i2i.data.workers import shielded_worker_init

    return DataLoader(
        dataset,
        batch_size=data.batch_size,
        shuffle=shuffle,
        sampler=sampler,
        num_workers=data.num_workers,
        worker_init_fn=shielded_worker_init() if data.num_workers else None,
        collate_fn=collate_samples,
        generator=generator,
        pin_memory=torch.cuda.is_available(),
        persistent_workers=data.num_workers > 0,
    )


def collate_samples(samples: Sequence[Sample]) -> Sample:
    """Stack ``input``, ``target`` and ``mask``; ``meta`` becomes a list of dicts."""
    import torch

    shapes = {tuple(s["input"].shape) for s in samples}
    if len(shapes) > 1:
        fields = [s["meta"]["field_id"] for s in samples]
        raise DataError(
            f"samples of one batch have different sizes {sorted(shapes)} (fields {fields[:4]}). "
            "Add a resize or crop transform (data.transforms / data.val_transforms, e.g. "
            "{name: resize, size: 256}) or use batch_size 1."
        )
    return {
        "input": torch.stack([s["input"] for s in samples]),  # (B, Cin, H, W)
        "target": torch.stack([s["target"] for s in samples]),  # (B, Cout, H, W)
        "mask": torch.stack([s["mask"] for s in samples]),  # (B, Cout)
        "meta": [s["meta"] for s in samples],
    }
