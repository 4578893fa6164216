"""Parameters of the dataset layouts (the ``datasets`` components of this plugin)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from i2i.data.params import DatasetParams

Organelle = Literal["Nucleus", "Mitochondria", "Actin", "Tubulin"]
Modality = Literal["BF", "DIC", "PC"]
JumpChannel = Literal["Mito", "AGP", "RNA", "ER", "DNA", "BF_over", "BF_under", "BF_focus"]


class LMCParams(DatasetParams):
    targets: list[Organelle] = Field(
        ["Nucleus", "Mitochondria", "Actin", "Tubulin"],
        min_length=1,
        description="Organelles to predict, in output order.",
    )
    modalities: list[Modality] = Field(
        ["BF", "DIC", "PC"], min_length=1, description="Transmitted-light modalities to use."
    )
    pixel_sizes: Literal["per_field", "per_study", "none"] = Field(
        "per_field",
        description=(
            "Read the pixel size from every field's OME metadata, from one field per study "
            "(faster; LMC pixel sizes vary by study), or not at all."
        ),
    )


class JumpParams(DatasetParams):
    inputs: list[JumpChannel] = Field(
        ["BF_over", "BF_under", "BF_focus"],
        min_length=1,
        description="Input channels (ch6 BF_over, ch7 BF_under, ch8 BF_focus), stacked.",
    )
    targets: list[JumpChannel] = Field(
        ["Mito", "AGP", "RNA", "ER", "DNA"],
        min_length=1,
        description="Target channels (ch1 Mito, ch2 AGP, ch3 RNA, ch4 ER, ch5 DNA).",
    )
    pixel_size_um: float | None = Field(
        0.598, gt=0, description="Pixel size (µm) of the plain TIFFs (cpg0000, 20x: 0.598)."
    )


class PairedTableParams(DatasetParams):
    table: str = Field(description="CSV or Parquet file; relative file paths are under root.")
    inputs: list[str] = Field(
        ["input"], min_length=1, description="Columns of input files, one channel each."
    )
    targets: list[str] = Field(
        min_length=1, description="Columns of target files (the column name is the target)."
    )
    field_column: str | None = Field(
        None, description="Column of field ids (rows of one field are its z-planes); null: row."
    )
    z_column: str | None = Field(None, description="Column of the row's z index; null: 0.")
    group_columns: list[str] = Field(
        default_factory=list, description="Columns of grouping keys (plate, well, study...)."
    )
    modality_column: str | None = Field(None, description="Column of the input modality.")
    pixel_size_column: str | None = Field(None, description="Column of pixel sizes (µm).")


class PatternParams(DatasetParams):
    regex: str = Field(
        description=(
            "Regular expression matched against each file's path relative to root, with named "
            "groups: 'channel' (required), 'z' (optional plane index); every other group is a "
            "grouping key identifying the field (fov, well, plate...)."
        )
    )
    inputs: list[str] = Field(min_length=1, description="Values of 'channel' that are inputs.")
    targets: list[str] = Field(min_length=1, description="Values of 'channel' that are targets.")
    modality: str | None = Field(None, description="Modality of the inputs (BF, PC, DIC...).")
    pixel_size_um: float | None = Field(None, gt=0, description="Pixel size (µm), if known.")
