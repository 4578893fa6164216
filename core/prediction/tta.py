"""Test-time augmentation: average the predictions of flipped and rotated copies of a tile.

The model sees each tile under several symmetries of the square (the dihedral group D4); each
prediction is mapped back by the inverse symmetry and the results are averaged. ``"flip"``
uses the 4 flips (identity, vertical, horizontal, both); ``"d4"`` adds the 4 transposed
variants (rotations by 90° and 270° and the two diagonal mirrors), 8 in all.
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


def tta_forward(forward: Forward, mode: TTAMode) -> Forward:
    """``forward`` averaged over the symmetries of ``mode``, for (B, C, H, W) tiles."""
    if mode not in ("flip", "d4"):
        raise ValueError(f"unknown test-time augmentation {mode!r}; use 'flip' or 'd4'")
    symmetries = _symmetries(mode)

    def averaged(tiles: torch.Tensor) -> torch.Tensor:
        total: torch.Tensor | None = None
        for transpose, flips in symmetries:
            view = tiles.transpose(-2, -1) if transpose else tiles
            view = view.flip(flips) if flips else view
            prediction = forward(view).float()
            prediction = prediction.flip(flips) if flips else prediction
            prediction = prediction.transpose(-2, -1) if transpose else prediction
            total = prediction if total is None else total + prediction
        assert total is not None
        return total / len(symmetries)

    return averaged
