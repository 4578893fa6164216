"""Transforms of samples: percentile normalisation and geometric augmentation.

Every transform is called as ``transform(sample, rng)`` on a sample dict (``input`` (Cin, H, W),
``target`` (Cout, H, W), ``mask``, ``meta``) with a ``numpy.random.Generator``, and applies the
same geometry to input and target; targets are interpolated as images (bilinear), not as masks.
"""

from __future__ import annotations

import i2i
from i2i.registry import Registries
from i2i_plugins.transforms.params import (
    FlipParams,
    PercentileNormalizeParams,
    RandomResizedCropParams,
    Rot90Params,
    SizeParams,
)

__all__ = [
    "FlipParams",
    "PercentileNormalizeParams",
    "RandomResizedCropParams",
    "Rot90Params",
    "SizeParams",
    "i2i_register",
]


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
