"""Other datasets mixed into training, as a fine-tuning that keeps seeing its pre-training data.

A recipe's ``data.mix`` lists datasets, each with a ``fraction``: the expected share of every
epoch's training samples drawn from it. The training set becomes the concatenation of the
recipe's own training samples and each mixed dataset's training samples — the fields its own
``split`` puts in training, never its validation or test fields — and
:class:`i2i.data.sampling.MixedSampler` draws each epoch from it with replacement, with weights
that give every dataset its share (and, inside a dataset, its ``balance`` weights). An epoch is
as long as it takes to show the recipe's own samples about once: ``len(own samples) / (1 - sum
of fractions)`` draws, which depend on (seed, epoch) only.

A mixed dataset's target names are mapped onto the recipe's (``targets: {AGP: Actin}``); a
recipe target it does not provide is masked out of the loss, as for any field that lacks it.
Validation and test use the recipe's own dataset only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from torch.utils.data import ConcatDataset

from i2i.data.build import build_layout, build_transforms, holdout_band, resolve_split
from i2i.data.dataset import FieldDataset
from i2i.data.errors import DataError
from i2i.data.records import FieldRecord
from i2i.data.sampling import MixedSampler, TrainingSource, sample_weights
from i2i.data.transforms import Sample, Transform
from i2i.recipe.sections import MixSource


class MixedDataset(ConcatDataset[Sample]):
    """The training samples of several datasets, one after the other."""

    def set_epoch(self, epoch: int) -> None:
        """Draw the augmentations of ``epoch`` in every dataset."""
        for dataset in self.datasets:
            dataset.set_epoch(epoch)  # type: ignore[attr-defined]


def mixed_training_set(
    own: FieldDataset,
    own_weights: Sequence[float] | None,
    mix: Sequence[MixSource],
    *,
    seed: int,
    transforms: Sequence[Transform],
    split_path: Path | None,
) -> tuple[MixedDataset, MixedSampler]:
    """The recipe's training set ``own`` mixed with the datasets of ``data.mix`` (``mix``,
    whose fractions the data section checked to add up to less than 1).

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
    own_share = 1 - sum(source.share for source in mixed)  # above 0: checked by DataSection
    sources = [TrainingSource(own, own_share, own_weights), *mixed]
    dataset = MixedDataset([source.dataset for source in sources])
    return dataset, MixedSampler(sources, seed)


def mixed_source(
    spec: MixSource,
    where: str,
    own: FieldDataset,
    *,
    seed: int,
    transforms: Sequence[Transform],
    split_path: Path | None,
) -> TrainingSource:
    """The training part of one ``data.mix`` entry (``where`` names it in errors)."""
    layout = build_layout(spec.dataset)
    records = layout.index()
    training = set(resolve_split(records, spec.split, split_path)["train"])
    mapping = target_mapping(spec.targets, layout.target_names, own.target_names, where)
    fields = renamed_targets([r for r in records if r.field_id in training], mapping)
    if not fields:
        raise DataError(
            f"{where}: no training field of the mixed dataset has one of the targets "
            f"{sorted(mapping)}. Check {where}.dataset and {where}.split."
        )
    params = layout.params
    dataset = FieldDataset(
        fields,
        own.target_names,
        z=params.z,
        tiles=params.tiles,
        resample_to_um=params.resample_to_um,
        transforms=transforms if spec.transforms is None else build_transforms(spec.transforms),
        reader=layout.reader,
        seed=seed,
        band=holdout_band(spec.split.holdout, inside=False),
    )
    check_input_channels(dataset, own, where)
    return TrainingSource(dataset, spec.fraction, sample_weights(dataset, params.balance))


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
