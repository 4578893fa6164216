"""From a recipe's data section to what the loaders are made of: the dataset layout and its
field records, the split, the transform objects, the hold-out band, and the model's input
contract (:class:`i2i.contract.InputContract`, validated here so that a contract a model
could not be predicted with is an error before training starts).

Importing this module is cheap (no torch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from i2i.contract import ContractError, InputContract
from i2i.data.errors import DataError
from i2i.data.layout import Layout
from i2i.data.records import FieldRecord
from i2i.data.regions import Band
from i2i.data.splits import check_split, make_split, read_split, write_split
from i2i.data.transforms import ContractTransform, Transform, contract_fields
from i2i.errors import validation_problems
from i2i.recipe.sections import ComponentSpec, HoldoutBand, SplitConfig

Spec = ComponentSpec | Mapping[str, object]
"""A component spec: validated (from a recipe) or a plain mapping with ``name``."""


def build_transforms(specs: Sequence[Spec] | None) -> list[Transform]:
    """Transform objects from a list of specs (``{"name": ..., **params}``)."""
    from i2i.plugins import get_registries

    registry = get_registries().transforms
    return [registry.create(spec) for spec in specs or []]


def build_layout(dataset: Spec, reader: ComponentSpec | str | None = None) -> Layout:
    """The dataset layout named by ``dataset`` (a spec), using ``reader`` (a spec or name)."""
    from i2i.plugins import get_registries

    reader_name = reader.name if isinstance(reader, ComponentSpec) else reader
    layout: Layout = get_registries().datasets.create(dataset, reader=reader_name)
    return layout


def resolve_split(
    records: Sequence[FieldRecord], split: SplitConfig, split_path: Path | None
) -> dict[str, list[str]]:
    """The split file's split when it exists, else a new split (saved when a path is given)."""
    if split_path is not None and split_path.exists():
        splits = read_split(split_path)
        check_split(split_path, splits, records)
        return splits
    if split.holdout is not None:  # every field trains on the rest and validates on its band
        ids = [r.field_id for r in records]
        splits = {"train": ids, "val": list(ids), "test": []}
        if split_path is not None:
            write_split(split_path, splits, {"holdout": split.holdout.model_dump()})
        return splits
    options = split.model_dump(exclude={"holdout"})
    splits = make_split(records, **options)
    if split_path is not None:
        write_split(split_path, splits, options)
    return splits


def holdout_band(holdout: HoldoutBand | None, inside: bool) -> Band | None:
    """The band of ``data.split.holdout`` (``inside``: the band, else the rest of the field)."""
    if holdout is None:
        return None
    return Band(holdout.axis, holdout.start, holdout.end, inside)


def input_contract(
    layout: Layout, records: Sequence[FieldRecord], transforms: Sequence[Transform]
) -> InputContract:
    """The model's input contract implied by the data and the training transforms.

    The dataset gives the channels, z-planes and pixel size; transforms that are a
    :class:`~i2i.data.transforms.ContractTransform` add what they decide (normalisation).
    """
    params = layout.params
    z = records[0].z_planes if params.z == "all" else params.z
    sizes = {r.pixel_size_um for r in records}
    fields: dict[str, object] = {
        "input_channels": layout.input_names,
        "z_planes": list(z) if isinstance(z, list) else z,
        "normalization": "none",
        "pixel_size_um": params.resample_to_um or (sizes.pop() if len(sizes) == 1 else None),
        "output_channels": list(layout.target_names),
    }
    decided = contract_fields(transforms)
    try:
        return InputContract.model_validate(fields | decided)
    except ValidationError as exc:
        problems = validation_problems(exc, "contract", show_input=True)
        deciding = [type(t).__name__ for t in transforms if isinstance(t, ContractTransform)]
        raise ContractError(
            f"the input contract of the model this data trains is invalid ({problems}). The "
            f"dataset {layout.name!r} gives its channels, z-planes and pixel size; the transforms "
            f"{', '.join(deciding) or '(none)'} give {decided or 'nothing'}. Change data.dataset "
            "or data.transforms so that the trained model can be predicted with (see "
            "docs/prediction.md, 'Input contract'); training has not started."
        ) from None


def detect_layout(root: Path, reader: str | None = None) -> Layout:
    """The registered layout that finds the most fields in ``root`` given only the root.

    Layouts that need more than a root (a table, a pattern) are not tried.
    """
    from i2i.plugins import get_registries

    found: list[tuple[int, str, Layout]] = []
    for component in get_registries().datasets:
        try:
            layout = component.build({"root": str(root)}, reader=reader)
            count = len(layout.index())
        except (ValidationError, DataError):
            continue
        found.append((count, component.name, layout))
    if not found:
        raise DataError(
            f"no dataset layout recognises the files under {str(root)!r}. Name one with "
            "--layout (see 'i2i components datasets'), or check the folder."
        )
    return max(found, key=lambda item: item[0])[2]
