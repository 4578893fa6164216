"""Model cards: what the zoo knows about one model (validated, ``extra="forbid"``).

A card names the model, says what it predicts from what (organelles, input modality and
channels, training pixel size, normalisation), which bundled recipe trained it, which files make
it (each with mirror URLs, a sha256 and a size), its licence, citation and reported metrics, and
an honest ``status`` with a ``source`` note saying where the weights come from.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from i2i.contract import NormalizationMethod
from i2i.errors import I2IError, validation_problems
from i2i.model_formats import PackageCard

PACKAGE_SCHEME = "package://"
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class CardError(I2IError):
    """A model card is invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ZooFile(_Strict):
    """One file of a model, fetched from the first of its URLs that works."""

    name: str = Field(description="Plain file name in the model's cache folder (no folders).")
    urls: list[str] = Field(
        min_length=1,
        description=(
            "Mirrors tried in order: https://, http://, file://, package://<package>/<file> "
            "(a file shipped inside an installed Python package) or a path relative to the "
            "manifest that lists the card."
        ),
    )
    sha256: str = Field(description="Lowercase hex SHA-256 of the file; checked on every use.")
    size: int = Field(gt=0, description="Size of the file in bytes.")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if (
            not value
            or value in {".", ".."}
            or "/" in value
            or "\\" in value
            or "\0" in value
            or value.startswith("~")
            or re.match(r"^[A-Za-z]:", value)
        ):
            raise ValueError(
                f"{value!r} is not a plain file name: file names may not contain '/' or '\\', "
                "be '.' or '..', or start with a drive letter or '~'"
            )
        return value

    @field_validator("sha256")
    @classmethod
    def _hex_digest(cls, value: str) -> str:
        if not _SHA256.match(value):
            raise ValueError(f"{value!r} is not a SHA-256 digest (64 lowercase hex characters)")
        return value


class InputSpec(_Strict):
    """What the model is given."""

    modality: list[str] = Field(
        min_length=1,
        description="Accepted transmitted-light modalities: bright-field, phase-contrast, dic.",
    )
    channels: list[str] = Field(
        min_length=1, description="Input channels in model order (z-planes or named channels)."
    )


class Normalization(_Strict):
    """How input images are scaled before the model sees them."""

    method: NormalizationMethod = Field(description="Per-image intensity scaling.")
    percentiles: tuple[float, float] | None = Field(
        None, description="Low and high percentiles of 'percentile' normalisation."
    )
    clip: bool = Field(False, description="Whether 'percentile' normalisation clips to [0, 1].")


class ReportedMetric(_Strict):
    """A metric value reported for the model, with where it was measured and by whom."""

    name: str = Field(description="Registered metric name (ssim, pcc, mae, ...).")
    value: float = Field(description="The reported value.")
    organelle: str | None = Field(None, description="Channel the value is about, if one.")
    dataset: str = Field(description="Data the value was measured on (and split).")
    reference: str = Field(description="Where the value is reported (paper table, run folder).")


class ModelCard(_Strict):
    """One model of the zoo."""

    name: str = Field(description="Zoo name: lowercase letters, digits and '-' (lmc-mito).")
    description: str = Field(description="One sentence: what the model does.")
    task: str = Field(description="What kind of translation, e.g. in-silico-painting.")
    organelles: list[str] = Field(min_length=1, description="Predicted channels, in order.")
    input: InputSpec
    pixel_size_um: float | None = Field(
        None, gt=0, description="Pixel size (µm) of the training images; null when unknown."
    )
    normalization: Normalization
    recipe: str | None = Field(None, description="Name of the bundled recipe that trains it.")
    files: list[ZooFile] = Field(
        default_factory=list, description="Files of an available model (one .safetensors)."
    )
    licence: str = Field(description="Licence of the weights (SPDX identifier).")
    citation: str = Field(description="What to cite when using the model.")
    metrics: list[ReportedMetric] = Field(default_factory=list)
    status: Literal["available", "not-yet-trained", "import-from-authors"] = Field(
        description="available: files can be fetched; otherwise see 'source'."
    )
    source: str = Field(description="Where the weights come from, honestly, and how to get them.")

    @field_validator("name")
    @classmethod
    def _zoo_name(cls, value: str) -> str:
        if not is_zoo_name(value):
            raise ValueError(
                f"{value!r} is not a zoo name: use lowercase letters, digits and single '-' "
                "between them (for example 'lmc-mito')"
            )
        return value

    @model_validator(mode="after")
    def _files_match_status(self) -> ModelCard:
        if self.status != "available" and self.files:
            raise ValueError(
                f"status is {self.status!r} but files are listed; list files only when the "
                "weights can be fetched (status 'available')"
            )
        if self.status == "available":
            weights = [f.name for f in self.files if f.name.endswith(".safetensors")]
            if len(weights) != 1:
                raise ValueError(
                    "an available model lists exactly one .safetensors file among its files, "
                    f"found {len(weights)}"
                )
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError(f"file names repeat: {names}")
        return self

    @property
    def weights_file(self) -> ZooFile:
        """The ``.safetensors`` file of an available model."""
        return next(f for f in self.files if f.name.endswith(".safetensors"))

    @property
    def size(self) -> int:
        """Total size in bytes of the model's files."""
        return sum(f.size for f in self.files)

    def facts(self, authors: tuple[str, ...] = ()) -> PackageCard:
        """What the card tells people, as a model package carries it (with its ``authors``)."""
        return PackageCard(
            name=self.name,
            description=self.description,
            organelles=tuple(self.organelles),
            modality=tuple(self.input.modality),
            input_channels=tuple(self.input.channels),
            pixel_size_um=self.pixel_size_um,
            licence=self.licence,
            citation=self.citation,
            authors=authors,
        )


def is_zoo_name(text: str) -> bool:
    """Whether ``text`` is a valid model name: lowercase letters, digits, single '-' between."""
    return bool(_NAME.match(text))


def parse_card(data: object, source: str) -> ModelCard:
    """Validate one card read from ``source`` (a file or URL, for the error message)."""
    try:
        return ModelCard.model_validate(data)
    except ValidationError as exc:
        name = data.get("name") if isinstance(data, dict) else None
        problems = validation_problems(exc, "card")
        label = f"model card {name!r}" if name else "a model card"
        raise CardError(
            f"{source}: {label} is invalid ({problems}). Fix the card; docs/zoo.md "
            "('Model cards') lists every field."
        ) from None
