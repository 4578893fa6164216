"""The order of training samples: weighted draws that depend on (seed, epoch) only.

A dataset with ``balance`` is drawn by per-sample weights (:func:`sample_weights`, from
:mod:`i2i.data.balance`); a training set mixed from several datasets (:mod:`i2i.data.mixing`)
is drawn by weights that give every dataset its share. Both come from :class:`MixedSampler`:
the draws of an epoch depend on (seed, epoch) only, as augmentation depends on (seed, epoch,
index) only, so a resumed run sees exactly the batches of an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from torch.utils.data import Sampler

from i2i.data.balance import balance_weights
from i2i.data.dataset import FieldDataset


def sample_weights(dataset: FieldDataset, balance: str | None) -> list[float] | None:
    """Per-sample weights that balance ``dataset`` by ``balance`` (see ``i2i.data.balance``);
    ``None`` without balance."""
    if balance is None:
        return None
    per_sample = [dataset.records[s.record] for s in dataset.samples]
    return balance_weights(per_sample, balance, dataset.target_names) * dataset.repeat


@dataclass
class TrainingSource:
    """One dataset of a (mixed) training set and its expected share of every epoch."""

    dataset: FieldDataset
    share: float
    weights: Sequence[float] | None = None
    """Relative weights of its samples (its balance); ``None`` draws them uniformly."""


class MixedSampler(Sampler[int]):
    """Indices into the concatenated datasets of ``sources`` (or the one dataset of a single
    source): each epoch, weighted draws with replacement that depend on (seed, epoch) only.

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
