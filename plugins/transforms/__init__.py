"""Transforms of samples: percentile normalisation and geometric augmentation.

Every transform is called as ``transform(sample, rng)`` on a sample dict (``input`` (Cin, H, W),
``target`` (Cout, H, W), ``mask``, ``meta``) with a ``numpy.random.Generator``, and applies the
same geometry to input and target; targets are interpolated as images (bilinear), not as masks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

import i2i
from i2i.registry import Registries

Key = Literal["input", "target"]


class PercentileNormalizeParams(i2i.Params):
    low: float = Field(2.0, ge=0, le=100, description="Low percentile, mapped to 0.")
    high: float = Field(99.8, ge=0, le=100, description="High percentile, mapped to 1.")
    keys: list[Key] = Field(
        ["input", "target"], min_length=1, description="Which images to normalise."
    )
    clip: bool = Field(False, description="Clip the result to [0, 1].")

    @model_validator(mode="after")
    def _ordered(self) -> PercentileNormalizeParams:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class FlipParams(i2i.Params):
    axes: list[Literal["horizontal", "vertical"]] = Field(
        ["horizontal", "vertical"], description="Axes flipped, each with probability p."
    )
    p: float = Field(0.5, ge=0, le=1, description="Probability of flipping along each axis.")


class Rot90Params(i2i.Params):
    p: float = Field(
        1.0, ge=0, le=1, description="Probability of rotating by 90, 180 or 270 degrees (uniform)."
    )


class SizeParams(i2i.Params):
    size: int | tuple[int, int] = Field(256, description="Output side, or (height, width).")

    @model_validator(mode="after")
    def _positive(self) -> SizeParams:
        sides = (self.size,) * 2 if isinstance(self.size, int) else self.size
        if min(sides) < 1:
            raise ValueError(f"size must be positive, got {self.size}")
        return self


class RandomResizedCropParams(SizeParams):
    scale: tuple[float, float] = Field(
        (0.7, 0.95), description="Range of the crop's area as a share of the image's area."
    )
    ratio: tuple[float, float] = Field(
        (3 / 4, 4 / 3), description="Range of the crop's aspect ratio (width / height)."
    )

    @model_validator(mode="after")
    def _ranges(self) -> RandomResizedCropParams:
        low, high = self.scale
        if not 0 < low <= high <= 1:
            raise ValueError(f"scale must satisfy 0 < low <= high <= 1, got {self.scale}")
        if not 0 < self.ratio[0] <= self.ratio[1]:
            raise ValueError(f"ratio must satisfy 0 < low <= high, got {self.ratio}")
        return self


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    add = registries.transforms.add
    add(
        "percentile_normalize",
        params=PercentileNormalizeParams,
        factory="i2i_plugins.transforms.normalize:PercentileNormalize",
        description="Map each image channel's low/high percentiles (2, 99.8) to 0 and 1.",
        example={},
    )
    add(
        "flip",
        params=FlipParams,
        factory="i2i_plugins.transforms.geometry:Flip",
        description="Random horizontal and vertical flips.",
        example={},
    )
    add(
        "rot90",
        params=Rot90Params,
        factory="i2i_plugins.transforms.geometry:Rot90",
        description="Random rotation by a multiple of 90 degrees.",
        example={},
    )
    add(
        "random_resized_crop",
        params=RandomResizedCropParams,
        factory="i2i_plugins.transforms.crops:RandomResizedCrop",
        description="Crop a random area (70-95 % by default) and resize it (bilinear).",
        example={"size": 32},
    )
    add(
        "resize",
        params=SizeParams,
        factory="i2i_plugins.transforms.crops:Resize",
        description="Resize input and target to a fixed size (bilinear, antialiased).",
        example={"size": 32},
    )
    add(
        "center_crop",
        params=SizeParams,
        factory="i2i_plugins.transforms.crops:CenterCrop",
        description="Crop the centre (edge-padded when the image is smaller).",
        example={"size": 32},
    )
    add(
        "random_crop",
        params=SizeParams,
        factory="i2i_plugins.transforms.crops:RandomCrop",
        description="Crop a random window (edge-padded when the image is smaller).",
        example={"size": 32},
    )
