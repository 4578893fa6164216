"""Random flips and 90-degree rotations (the dihedral augmentations of square microscopy tiles)."""

from __future__ import annotations

import numpy as np
import torch

from i2i.data.transforms import Sample
from i2i_plugins.transforms.params import FlipParams, Rot90Params

KEYS = ("input", "target")


class Flip:
    """Flip input and target together along each configured axis with probability ``p``."""

    def __init__(self, params: FlipParams):
        self.params = params

    def for_validation(self) -> None:
        return None

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        dims = [
            -1 if axis == "horizontal" else -2
            for axis in self.params.axes
            if rng.random() < self.params.p
        ]
        if dims:
            for key in KEYS:
                sample[key] = torch.flip(sample[key], dims)  # (C, H, W)
        return sample


class Rot90:
    """Rotate input and target together by 90, 180 or 270 degrees with probability ``p``."""

    def __init__(self, params: Rot90Params):
        self.params = params

    def for_validation(self) -> None:
        return None

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        if rng.random() < self.params.p:
            turns = int(rng.integers(1, 4))
            for key in KEYS:
                sample[key] = torch.rot90(sample[key], turns, dims=(-2, -1))  # (C, W, H) if odd
        return sample
