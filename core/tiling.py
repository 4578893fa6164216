"""``Tiling``: how an image larger than a tile is predicted, one value for every consumer.

The recipe's ``predict`` section is a ``Tiling`` (plus the writer, which is about the output,
not the tiles); :class:`~i2i.prediction.Predictor`, :func:`~i2i.prediction.sliding_window_predict`
and validation during training take the same value, so a model is validated with the tiling a
user's ``i2i predict`` uses. The model's size multiple is not part of it: it comes from the
model and its input contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from i2i.errors import I2IError, validation_problems

Blend = Literal["gaussian", "none"]

GAUSSIAN_SIGMA_FRACTION = 0.125
"""Standard deviation of the Gaussian window as a fraction of the tile side (nnU-Net, MONAI)."""


class TilingError(I2IError):
    """Tile size, overlap, batch size, blend or rescale is invalid."""


class Tiling(BaseModel):
    """Tiled inference on images of any size."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True)

    tile_size: int = Field(
        default=256, ge=16, description="Side of the square tiles the model sees."
    )
    overlap: float = Field(
        default=0.25, ge=0, lt=1, description="Overlap of adjacent tiles (fraction)."
    )
    blend: Blend = Field(
        default="gaussian",
        description="Weighting of overlapping tiles: gaussian (centre-weighted) or none (mean).",
    )
    batch_size: int = Field(default=4, ge=1, description="Tiles per forward pass.")
    rescale: bool = Field(
        default=True,
        description=("Rescale inputs to the training pixel size when both pixel sizes are known."),
    )

    @property
    def sigma_fraction(self) -> float:
        """The blending window's Gaussian sigma as a fraction of the tile; 0: a flat window."""
        return 0.0 if self.blend == "none" else GAUSSIAN_SIGMA_FRACTION

    @classmethod
    def from_fields(cls, fields: Mapping[str, object], source: str) -> Tiling:
        """The tiling given by the tiling keys of ``fields``; absent or ``None`` ones default.

        Other keys (a recipe's ``predict`` section also names its writer) are ignored. An
        invalid value is a :class:`TilingError` naming ``source``.
        """
        given = {key: fields[key] for key in cls.model_fields if fields.get(key) is not None}
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            problems = validation_problems(exc, "tiling")
            raise TilingError(
                f"{source}: invalid tiling ({problems}). Valid: tile_size >= 16, overlap in "
                "[0, 1), batch_size >= 1, blend 'gaussian' or 'none', rescale true or false."
            ) from None

    def updated(self, changes: Mapping[str, object], source: str) -> Tiling:
        """This tiling with the tiling keys of ``changes`` that are not ``None`` replaced."""
        return Tiling.from_fields(
            {
                **self.model_dump(include=set(Tiling.model_fields)),
                **{key: value for key, value in changes.items() if value is not None},
            },
            source,
        )
