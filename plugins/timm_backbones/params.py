"""Parameters of the timm encoder (which backbone, which levels) and of its decoder."""

from __future__ import annotations

from pydantic import Field

import i2i


class TimmEncoderParams(i2i.Params):
    model_name: str = Field(
        "resnet18", min_length=1, description="A timm model name (timm.list_models())."
    )
    pretrained: bool = Field(
        False,
        description=(
            "Start from timm's pretrained weights (downloaded by timm; the first convolution "
            "is adapted to the input channels)."
        ),
    )
    out_indices: list[int] | None = Field(
        None, description="Which feature levels to return; null: all of them."
    )


class TimmDecoderParams(i2i.Params):
    head_channels: int = Field(
        32, ge=1, description="Channels of the full-resolution head after the last upsampling."
    )
