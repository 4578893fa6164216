"""Sample panels (input | target | prediction) written as PNG at each validation.

Each row is one sample; each image is scaled to its own 2–99.8 percentile range with the same
display helpers as the evaluation report. Multi-channel inputs show their first channel; each
output channel gets its own target | prediction pair.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from i2i.atomic import atomic_output
from i2i.evaluate.panels import display_scale, to_uint8

_GAP = 2


def panel_image(
    inputs: torch.Tensor, targets: torch.Tensor, predictions: torch.Tensor, max_rows: int = 4
) -> np.ndarray:
    """inputs (B, Cin, H, W), targets and predictions (B, Cout, H, W) → (rows·H, cols·W) uint8."""
    rows = []
    for i in range(min(max_rows, inputs.shape[0])):
        planes = [inputs[i, 0]]
        for c in range(targets.shape[1]):
            planes += [targets[i, c], predictions[i, c]]
        shown = [to_uint8(display_scale(p.detach().float().cpu().numpy())) for p in planes]
        spacer = np.full((shown[0].shape[0], _GAP), 255, np.uint8)
        rows.append(np.concatenate([x for s in shown for x in (s, spacer)][:-1], axis=1))
    spacer = np.full((_GAP, rows[0].shape[1]), 255, np.uint8)
    return np.concatenate([x for r in rows for x in (r, spacer)][:-1], axis=0)


def write_panel(path: Path, image: np.ndarray) -> None:
    """Write a uint8 (H, W) image as PNG, atomically."""
    from PIL import Image

    with atomic_output(path) as temporary:
        Image.fromarray(image).save(temporary, format="PNG")
