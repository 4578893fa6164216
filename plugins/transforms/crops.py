"""Crops and resizing applied identically to input and target.

Resizing is bilinear with antialiasing for both input and target: targets are intensity images
(organelle stains), not label masks. ``RandomResizedCrop`` draws the crop's area as a share of
the image in ``scale`` (0.7-0.95) and its aspect ratio log-uniformly in ``ratio``, as in
Szegedy et al. 2015 ("Going deeper with convolutions"), then resizes it to ``size``. Crops
larger than the image pad it by repeating its edge.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F

from i2i.data.transforms import Sample
from i2i_plugins.transforms.params import RandomResizedCropParams, SizeParams

KEYS = ("input", "target")
Box = tuple[int, int, int, int]  # (y0, x0, height, width)


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(C, H, W) -> (C, h, w), bilinear with antialiasing."""
    if tuple(image.shape[-2:]) == size:
        return image
    return F.interpolate(
        image[None].float(), size=size, mode="bilinear", antialias=True, align_corners=False
    )[0]


def crop(image: torch.Tensor, box: Box) -> torch.Tensor:
    """(C, H, W) -> (C, height, width), edge-padded where the box leaves the image."""
    y0, x0, height, width = box
    pad_y, pad_x = max(0, height - image.shape[-2]), max(0, width - image.shape[-1])
    if pad_y or pad_x:
        top, left = pad_y // 2, pad_x // 2
        image = F.pad(image[None], (left, pad_x - left, top, pad_y - top), mode="replicate")[0]
    return image[..., y0 : y0 + height, x0 : x0 + width]


def _apply(sample: Sample, box: Box, size: tuple[int, int] | None, random: bool) -> Sample:
    """Crop (and resize) input and target alike; ``meta`` records it for later transforms."""
    meta = sample.get("meta")
    if isinstance(meta, dict):
        if random:
            meta["augmented"] = True
        else:
            meta["crops"] = [*meta.get("crops", []), (box, size)]
    for key in KEYS:
        sample[key] = crop(sample[key], box)
        if size is not None:
            sample[key] = resize(sample[key], size)
    return sample


class Resize:
    """Resize input and target to ``size``."""

    def __init__(self, params: SizeParams):
        self.size = _size(params.size)

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        for key in KEYS:
            sample[key] = resize(sample[key], self.size)
        return sample


class CenterCrop:
    """Crop the centre window of ``size``."""

    def __init__(self, params: SizeParams):
        self.size = _size(params.size)

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        height, width = self.size
        full_h, full_w = (
            max(a, b) for a, b in zip(sample["input"].shape[-2:], self.size, strict=True)
        )
        box = ((full_h - height) // 2, (full_w - width) // 2, height, width)
        return _apply(sample, box, None, random=False)


class RandomCrop:
    """Crop a random window of ``size``; validation uses the centre window."""

    def __init__(self, params: SizeParams):
        self.params = params
        self.size = _size(params.size)

    def for_validation(self) -> CenterCrop:
        return CenterCrop(self.params)

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        height, width = self.size
        full_h, full_w = (
            max(a, b) for a, b in zip(sample["input"].shape[-2:], self.size, strict=True)
        )
        y0 = int(rng.integers(0, full_h - height + 1))
        x0 = int(rng.integers(0, full_w - width + 1))
        return _apply(sample, (y0, x0, height, width), None, random=True)


class RandomResizedCrop:
    """Crop a random area share in ``scale`` with aspect ratio in ``ratio``, resize to ``size``.

    Validation resizes the whole image to ``size`` instead.
    """

    def __init__(self, params: RandomResizedCropParams):
        self.params = params
        self.size = _size(params.size)

    def for_validation(self) -> Resize:
        return Resize(SizeParams(size=self.params.size))

    def box(self, height: int, width: int, rng: np.random.Generator) -> Box:
        """The crop window; after 10 draws that do not fit, the largest centred window."""
        log_ratio = np.log(self.params.ratio)
        for _ in range(10):
            area = height * width * rng.uniform(*self.params.scale)
            ratio = math.exp(rng.uniform(*log_ratio))
            crop_w, crop_h = round(math.sqrt(area * ratio)), round(math.sqrt(area / ratio))
            if 0 < crop_h <= height and 0 < crop_w <= width:
                y0 = int(rng.integers(0, height - crop_h + 1))
                x0 = int(rng.integers(0, width - crop_w + 1))
                return y0, x0, crop_h, crop_w
        side_scale = math.sqrt(self.params.scale[1])
        crop_h, crop_w = max(1, round(height * side_scale)), max(1, round(width * side_scale))
        return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        height, width = sample["input"].shape[-2:]
        return _apply(sample, self.box(height, width, rng), self.size, random=True)
