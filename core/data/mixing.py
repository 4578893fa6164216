"""Other datasets mixed into training, as a fine-tuning that keeps seeing its pre-training data.

A recipe's ``data.mix`` lists datasets, each with a ``fraction``: the expected share of every
epoch's training samples drawn from it. The training set becomes the concatenation of the
recipe's own training samples and each mixed dataset's training samples — the fields its own
``split`` puts in training, never its validation or test fields — and :class:`MixedSampler`
draws each epoch from it with replacement, with weights that give every dataset its share
(and, inside a dataset, its ``balance`` weights). An epoch is as long as it takes to show the
recipe's own samples about once: ``len(own samples) / (1 - sum of fractions)`` draws.

The draws of an epoch depend on (seed, epoch) only, as augmentation depends on (seed, epoch,
index) only, so a resumed run sees exactly the batches of an uninterrupted one. A recipe that
balances its dataset without mixing others in draws the same way from its dataset alone
(:func:`balanced_sampler`). A mixed dataset's target names are mapped onto the recipe's
(``targets: {AGP: Actin}``); a recipe target it does not provide is masked out of the loss, as
for any field that lacks it. Validation and test use the recipe's own dataset only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import ConcatDataset, Sampler

from i2i.data.dataset import FieldDataset
from i2i.data.errors import DataError
from i2i.data.loaders import (
    build_layout,
    build_transforms,
    holdout_band,
    resolve_split,
    sample_weights,
    setting,
)
from i2i.data.records import FieldRecord


@dataclass
class TrainingSource:
    """One dataset of a mixed training set and its expected share of every epoch."""

    dataset: FieldDataset
    share: float
    weights: Sequence[float] | None = None
    """Relative weights of its samples (its balance); ``None`` draws them uniformly."""


class MixedDataset(ConcatDataset[dict[str, Any]]):
    """The training samples of several datasets, one after the other."""

    def set_epoch(self, epoch: int) -> None:
        """Draw the augmentations of ``epoch`` in every dataset."""
        for dataset in self.datasets:
            dataset.set_epoch(epoch)  # type: ignore[attr-defined]


class MixedSampler(Sampler[int]):
    """Indices into a :class:`MixedDataset` (or the one dataset of a single source): each
    epoch, weighted draws with replacement that depend on (seed, epoch) only.

    The first source is the recipe's own dataset: the epoch has ``len(its samples) / its
    share`` draws. Call :meth:`set_epoch` before each epoch (the training loop does).
    """

    def __init__(self, sources: Sequence[TrainingSource], seed: int):
        shares = [source.share * _normalised(source) for source in sources]
        self.probabilities = np.concatenate(shares)  # (total samples,), sums to 1
        own = sources[0]
        self.num_samples = max(1, round(len(own.dataset) / own.share))
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        drawn = rng.choice(len(self.probabilities), self.num_samples, p=self.probabilities)
        return iter(drawn.tolist())


def balanced_sampler(dataset: FieldDataset, weights: Sequence[float], seed: int) -> MixedSampler:
    """Draws of ``dataset`` alone by its ``balance`` ``weights``: ``len(dataset)`` per epoch."""
    return MixedSampler([TrainingSource(dataset, 1.0, weights)], seed)


def _normalised(source: TrainingSource) -> np.ndarray:
    """The sample probabilities inside one source (they sum to 1)."""
    count = len(source.dataset)
    weights = np.ones(count) if source.weights is None else np.asarray(source.weights, float)
    return weights / weights.sum()


def mixed_training_set(
    own: FieldDataset,
    own_weights: Sequence[float] | None,
    mix: Sequence[Any],
    *,
    seed: int,
    transforms: Sequence[Any],
    split_path: Path | None,
) -> tuple[MixedDataset, MixedSampler]:
    """The recipe's training set ``own`` mixed with the datasets of ``data.mix`` (``mix``).

    ``transforms``: the recipe's training transforms; ``split_path``: the recipe's split file,
    beside which the mixed datasets' splits are saved.
    """
    mixed = [
        mixed_source(
            spec,
            f"data.mix.{number}",
            own,
            seed=source_seed(seed, number + 1),
            transforms=transforms,
            split_path=None if split_path is None else mix_split_path(split_path, number),
        )
        for number, spec in enumerate(mix)
    ]
    own_share = 1 - sum(source.share for source in mixed)
    if own_share <= 0:
        raise DataError(
            f"the fractions of data.mix add up to {1 - own_share:g}; their sum must be below 1 "
            "so that the recipe's own dataset keeps a share of the training samples."
        )
    sources = [TrainingSource(own, own_share, own_weights), *mixed]
    dataset = MixedDataset([source.dataset for source in sources])
    return dataset, MixedSampler(sources, seed)


def mixed_source(
    spec: Any,
    where: str,
    own: FieldDataset,
    *,
    seed: int,
    transforms: Sequence[Any],
    split_path: Path | None,
) -> TrainingSource:
    """The training part of one ``data.mix`` entry (``where`` names it in errors)."""
    layout = build_layout(setting(spec, "dataset"))
    records = layout.index()
    split = setting(spec, "split") or {}
    training = set(resolve_split(records, split, split_path)["train"])
    mapping = target_mapping(setting(spec, "targets"), layout.target_names, own.target_names, where)
    fields = renamed_targets([r for r in records if r.field_id in training], mapping)
    if not fields:
        raise DataError(
            f"{where}: no training field of the mixed dataset has one of the targets "
            f"{sorted(mapping)}. Check {where}.dataset and {where}.split."
        )
    source_transforms = setting(spec, "transforms")
    params = layout.params
    dataset = FieldDataset(
        fields,
        own.target_names,
        z=params.z,
        tiles=params.tiles,
        resample_to_um=params.resample_to_um,
        transforms=transforms if source_transforms is None else build_transforms(source_transforms),
        reader=layout.reader,
        seed=seed,
        band=holdout_band(setting(split, "holdout"), inside=False),
    )
    check_input_channels(dataset, own, where)
    fraction = float(setting(spec, "fraction"))
    return TrainingSource(dataset, fraction, sample_weights(dataset, params.balance))


def target_mapping(
    mapping: Mapping[str, str] | None,
    source_targets: Sequence[str],
    recipe_targets: Sequence[str],
    where: str,
) -> dict[str, str]:
    """The mixed dataset's target names mapped onto the recipe's, checked against both."""
    if mapping is None:
        mapping = {name: name for name in source_targets if name in recipe_targets}
        if not mapping:
            raise DataError(
                f"{where}: the mixed dataset's targets {list(source_targets)} share no name with "
                f"the recipe's {list(recipe_targets)}. Map them with {where}.targets, e.g. "
                f"{{{source_targets[0]}: {recipe_targets[0]}}}."
            )
        return dict(mapping)
    unknown = [name for name in mapping if name not in source_targets]
    if unknown:
        raise DataError(
            f"{where}.targets maps {unknown}, which the mixed dataset does not load (its "
            f"targets: {list(source_targets)}). Map those, or add them to the targets of "
            f"{where}.dataset."
        )
    foreign = [name for name in mapping.values() if name not in recipe_targets]
    if foreign:
        raise DataError(
            f"{where}.targets maps onto {foreign}, which the recipe does not predict (the "
            f"targets of data.dataset: {list(recipe_targets)}). Map onto those names."
        )
    return dict(mapping)


def renamed_targets(
    records: Sequence[FieldRecord], mapping: Mapping[str, str]
) -> list[FieldRecord]:
    """``records`` with their targets renamed by ``mapping``, without unmapped targets and
    without the fields left with no target."""
    renamed = [
        replace(r, targets={mapping[n]: ref for n, ref in r.targets.items() if n in mapping})
        for r in records
    ]
    return [record for record in renamed if record.targets]


def check_input_channels(mixed: FieldDataset, own: FieldDataset, where: str) -> None:
    """A model takes a fixed number of input channels: the mixed samples must have as many."""
    if mixed.in_channels == own.in_channels:
        return
    raise DataError(
        f"{where}.dataset: its samples have {mixed.in_channels} input channel(s) (e.g. field "
        f"{mixed.records[0].field_id!r}) but those of data.dataset have {own.in_channels}. "
        f"Select the inputs and z-planes of {where}.dataset so that every sample has "
        f"{own.in_channels} (e.g. one bright-field channel and z: each)."
    )


def source_seed(seed: int, number: int) -> int:
    """The augmentation seed of mixed source ``number`` (1, 2...), independent of the others'."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


def mix_split_path(split_path: Path, number: int) -> Path:
    """Where the split of ``data.mix.<number>`` is saved: beside the recipe's, split.mix0.json."""
    return split_path.with_name(f"{split_path.stem}.mix{number}{split_path.suffix}")
