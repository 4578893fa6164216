"""Test-time augmentation: average the predictions of flipped and rotated copies of a tile.

The model sees each tile under several symmetries of the square (the dihedral group D4); each
prediction is mapped back by the inverse symmetry and the results are averaged. ``"flip"``
uses the 4 flips (identity, vertical, horizontal, both); ``"d4"`` adds the 4 transposed
variants (rotations by 90° and 270° and the two diagonal mirrors), 8 in all.

With ``spread`` the per-pixel standard deviation over the symmetries (population, ``ddof=0``)
follows the mean as extra channels (named ``<channel>_tta_std`` in outputs). It shows where the
model's answer depends on the orientation of its input; it is not a calibrated error: a model
can be consistently wrong under every flip (spread 0), and it says nothing about inputs unlike
the training data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch

Forward = Callable[[torch.Tensor], torch.Tensor]
TTAMode = Literal["flip", "d4"]

_FLIPS: tuple[tuple[int, ...], ...] = ((), (-2,), (-1,), (-2, -1))


def _symmetries(mode: TTAMode) -> list[tuple[bool, tuple[int, ...]]]:
    """(transpose first?, flipped dims) of each symmetry."""
    transposes = (False, True) if mode == "d4" else (False,)
    return [(transpose, flips) for transpose in transposes for flips in _FLIPS]


def tta_forward(forward: Forward, mode: TTAMode, spread: bool = False) -> Forward:
    """``forward`` averaged over the symmetries of ``mode``, for (B, C, H, W) tiles.

    With ``spread`` the result is (B, 2C, H, W): the mean, then the standard deviation.
    """
    if mode not in ("flip", "d4"):
        raise ValueError(f"unknown test-time augmentation {mode!r}; use 'flip' or 'd4'")
    symmetries = _symmetries(mode)

    def averaged(tiles: torch.Tensor) -> torch.Tensor:
        total: torch.Tensor | None = None
        squares: torch.Tensor | None = None
        for transpose, flips in symmetries:
            view = tiles.transpose(-2, -1) if transpose else tiles
            view = view.flip(flips) if flips else view
            prediction = forward(view).float()
            prediction = prediction.flip(flips) if flips else prediction
            prediction = prediction.transpose(-2, -1) if transpose else prediction
            total = prediction if total is None else total + prediction
            if spread:
                square = prediction.double() ** 2
                squares = square if squares is None else squares + square
        assert total is not None
        mean = total / len(symmetries)
        if squares is None:
            return mean
        variance = squares / len(symmetries) - mean.double() ** 2
        return torch.cat([mean, variance.clamp_min(0).sqrt().float()], dim=1)

    return averaged
