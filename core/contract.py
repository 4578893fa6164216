"""The input contract of a model: what it expects to be given and what it predicts.

Saved in the metadata of exported weights (as JSON under the key ``input_contract``) so that
a weights file alone says how to prepare an image for its model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from i2i.errors import I2IError, validation_problems


class ContractError(I2IError):
    """An input contract is invalid, or an image does not satisfy it."""


NormalizationMethod = Literal["percentile", "none"]


class ContractFields(TypedDict, total=False):
    """The input-contract fields a training transform decides (percentile normalisation).

    What a :class:`~i2i.data.transforms.ContractTransform` gives as its ``contract``; the data
    pipeline merges it over what the dataset implies and validates the result.
    """

    normalization: NormalizationMethod
    percentiles: tuple[float, float]
    clip: bool


class InputContract(BaseModel):
    """How images are turned into model input, and what the model's output channels are."""

    model_config = ConfigDict(extra="forbid")

    input_channels: list[str | int] | None = Field(
        None, description="Input channels by name or index, in model order; null: all channels."
    )
    z_planes: Literal["each", "middle"] | list[int] = Field(
        "each",
        description=(
            "'each': every z-plane is predicted on its own (output keeps Z); 'middle': the "
            "middle plane only; a list: these planes, stacked after each channel as input "
            "channels (output has one plane)."
        ),
    )
    normalization: NormalizationMethod = Field(
        "percentile",
        description="'percentile': (x - p_low) / (p_high - p_low) per input plane; 'none'.",
    )
    percentiles: tuple[float, float] = Field(
        (2.0, 99.8), description="Low and high percentiles of the percentile normalisation."
    )
    clip: bool = Field(
        False,
        description=(
            "Whether the percentile normalisation clips to [0, 1] (false in weights written "
            "before clipping was recorded, which were predicted unclipped)."
        ),
    )
    pixel_size_um: float | None = Field(
        None, gt=0, description="Pixel size (µm, Y and X) of the training images; null: unknown."
    )
    output_channels: list[str] = Field(
        min_length=1, description="Names of the predicted channels, in model output order."
    )
    size_multiple: int = Field(
        1, ge=1, description="Tile sides must be multiples of this (the model's downsampling)."
    )

    @field_validator("percentiles")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 <= low < high <= 100:
            raise ValueError(f"need 0 <= low < high <= 100, got {value}")
        return value

    @classmethod
    def from_metadata(cls, data: Mapping[str, object], source: str) -> InputContract:
        """Validate a contract read from ``source`` (a file name, for the error message)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = validation_problems(exc, "contract")
            raise ContractError(
                f"{source}: the model's input contract is invalid ({problems}). Re-export the "
                "model with a valid contract (see docs/prediction.md, 'Input contract')."
            ) from None

    def input_channel_count(self, image_channels: int) -> int:
        """The number of model input channels for an image with ``image_channels`` channels."""
        channels = image_channels if self.input_channels is None else len(self.input_channels)
        return channels * (len(self.z_planes) if isinstance(self.z_planes, list) else 1)
