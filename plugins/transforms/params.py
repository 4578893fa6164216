"""Parameters of the transforms (validated recipe entries)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

import i2i

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
