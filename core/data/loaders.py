"""Data loaders from a recipe's ``data`` section: index, split, transforms, batching.

``build_dataloaders(data)`` accepts the validated recipe section or a plain dict with
``dataset`` (a dataset spec: ``name`` and its parameters), ``reader``, ``transforms``,
``val_transforms``, ``split`` (``val_fraction``, ``test_fraction``, ``group_by``,
``stratify_by``, ``seed``), ``batch_size``, ``num_workers`` and ``mix`` (other datasets mixed
into training, see :mod:`i2i.data.mixing`).

Validation transforms default to the training ones made deterministic: a transform object
may define ``for_validation()`` returning its deterministic stand-in (a random resized crop
becomes a resize) or ``None`` to be dropped (flips); transforms without it are kept. A
transform may define ``contract`` (a dict) to state what it means for the model's input
contract (percentile normalisation does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from i2i.data.balance import balance_weights
from i2i.data.errors import DataError
from i2i.data.layout import Layout
from i2i.data.records import FieldRecord
from i2i.data.regions import Band
from i2i.data.splits import SPLITS, check_split, make_split, read_split, write_split

if TYPE_CHECKING:
    from i2i.data.dataset import FieldDataset


def setting(section: Any, key: str, default: Any = None) -> Any:
    """``section[key]`` of a recipe section given as a validated model or a plain dict."""
    if isinstance(section, Mapping):
        return section.get(key, default)
    return getattr(section, key, default)


def _spec(spec: Any) -> dict[str, Any]:
    return spec.model_dump() if isinstance(spec, BaseModel) else dict(spec)


@dataclass
class DataLoaders:
    """What a training run needs from its data: loaders, split, and the input contract."""

    train: Any
    val: Any
    test: Any
    contract: dict[str, Any]
    splits: dict[str, list[str]]
    layout: Layout
    records: list[FieldRecord] = field(default_factory=list)


def build_transforms(specs: Sequence[Any] | None) -> list[Any]:
    """Transform objects from a list of specs (``{"name": ..., **params}``)."""
    from i2i.plugins import get_registries

    registry = get_registries().transforms
    return [registry.create(_spec(spec)) for spec in specs or []]


def validation_transforms(train: Sequence[Any]) -> list[Any]:
    """The deterministic counterparts of the training transforms (module docstring)."""
    result = []
    for transform in train:
        stand_in = transform.for_validation() if hasattr(transform, "for_validation") else transform
        if stand_in is not None:
            result.append(stand_in)
    return result


def build_layout(dataset: Any, reader: Any = None) -> Layout:
    """The dataset layout named by ``dataset`` (a spec), using ``reader`` (a spec or name)."""
    from i2i.plugins import get_registries

    reader_name = reader if isinstance(reader, str) or reader is None else setting(reader, "name")
    layout: Layout = get_registries().datasets.create(_spec(dataset), reader=reader_name)
    return layout


def resolve_split(
    records: Sequence[FieldRecord], split: Any, split_path: Path | None
) -> dict[str, list[str]]:
    """The split file's split when it exists, else a new split (saved when a path is given)."""
    if split_path is not None and split_path.exists():
        splits = read_split(split_path)
        check_split(split_path, splits, records)
        return splits
    holdout = setting(split, "holdout")
    if holdout is not None:  # every field trains on the rest and validates on its band
        ids = [r.field_id for r in records]
        splits = {"train": ids, "val": list(ids), "test": []}
        if split_path is not None:
            write_split(split_path, splits, {"holdout": _spec(holdout)})
        return splits
    options = {
        "val_fraction": float(setting(split, "val_fraction", 0.1)),
        "test_fraction": float(setting(split, "test_fraction", 0.0)),
        "group_by": setting(split, "group_by"),
        "stratify_by": setting(split, "stratify_by"),
        "seed": int(setting(split, "seed", 0)),
    }
    splits = make_split(records, **options)
    if split_path is not None:
        write_split(split_path, splits, options)
    return splits


def build_dataloaders(
    data: Any, split_path: str | Path | None = None, seed: int = 0
) -> DataLoaders:
    """Train/val/test loaders for a recipe's ``data`` section (see the module docstring).

    ``split_path``: a split file reused when it exists, written otherwise. ``seed`` seeds
    the shuffling of training batches and, with the epoch and sample index, augmentation.
    """
    from i2i.data.dataset import FieldDataset

    layout = build_layout(setting(data, "dataset"), setting(data, "reader"))
    records = layout.index()
    splits = resolve_split(records, setting(data, "split", {}), _path(split_path))
    train_transforms = build_transforms(setting(data, "transforms"))
    val_specs = setting(data, "val_transforms")
    val_transforms = (
        validation_transforms(train_transforms)
        if val_specs is None
        else build_transforms(val_specs)
    )
    params = layout.params
    holdout = setting(setting(data, "split", {}), "holdout")
    datasets: dict[str, FieldDataset | None] = dict.fromkeys(SPLITS)
    for name in SPLITS:
        wanted = set(splits[name])
        subset = [r for r in records if r.field_id in wanted]
        if subset:
            datasets[name] = FieldDataset(
                subset,
                layout.target_names,
                z=params.z,
                tiles=params.tiles,
                resample_to_um=params.resample_to_um,
                transforms=train_transforms if name == "train" else val_transforms,
                reader=layout.reader,
                seed=seed,
                band=holdout_band(holdout, inside=name != "train"),
                repeat=int(setting(data, "repeat", 1)) if name == "train" else 1,
            )
    train = datasets["train"]
    if train is None:
        raise DataError(
            "the training split is empty: every field went to validation or test. Lower "
            "data.split.val_fraction / test_fraction, or add fields to the dataset."
        )
    val, test = (_loader(datasets[name], data, _generator(seed)) for name in ("val", "test"))
    contract = input_contract(layout, records, train_transforms)
    _check_batch_size(len(train), data)
    train_loader = _training_loader(
        train, data, seed, params.balance, train_transforms, _path(split_path)
    )
    return DataLoaders(train_loader, val, test, contract, splits, layout, records)


def _check_batch_size(samples: int, data: Any) -> None:
    """A batch cannot hold more samples than an epoch has: say so instead of shrinking it."""
    batch_size = int(setting(data, "batch_size", 8))
    if samples < batch_size:
        raise DataError(
            f"data.batch_size is {batch_size} but the training split has only {samples} "
            f"sample(s) per epoch, so every batch would hold {samples}. Draw each sample several "
            f"times per epoch with data.repeat (at least {-(-batch_size // samples)}; each draw "
            "is augmented differently, e.g. another random crop), or lower data.batch_size."
        )


def holdout_band(holdout: Any, inside: bool) -> Band | None:
    """The hold-out band of ``data.split.holdout`` (``inside``: the band, else the rest)."""
    if holdout is None:
        return None
    return Band(
        setting(holdout, "axis", "x"), setting(holdout, "start"), setting(holdout, "end"), inside
    )


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def sample_weights(dataset: FieldDataset, balance: str | None) -> list[float] | None:
    """Per-sample weights that balance ``dataset`` by ``balance`` (see ``i2i.data.balance``);
    ``None`` without balance."""
    if balance is None:
        return None
    per_sample = [dataset.records[s.record] for s in dataset.samples]
    return balance_weights(per_sample, balance, dataset.target_names) * dataset.repeat


def _training_loader(
    train: FieldDataset,
    data: Any,
    seed: int,
    balance: str | None,
    transforms: Sequence[Any],
    split_path: Path | None,
) -> Any:
    """The training loader: shuffled, balanced, or mixed with other datasets (``data.mix``).

    Balanced and mixed draws come from :class:`i2i.data.mixing.MixedSampler`: an epoch's
    samples depend on (seed, epoch) only, so a resumed run draws those of an uninterrupted one.
    """
    weights = sample_weights(train, balance)
    mix = setting(data, "mix") or []
    generator = _generator(seed)
    if mix:
        from i2i.data.mixing import mixed_training_set

        mixed, mixed_sampler = mixed_training_set(
            train, weights, mix, seed=seed, transforms=transforms, split_path=split_path
        )
        return _loader(mixed, data, generator, sampler=mixed_sampler)
    if weights is None:
        return _loader(train, data, generator, shuffle=True)
    from i2i.data.mixing import balanced_sampler

    return _loader(train, data, generator, sampler=balanced_sampler(train, weights, seed))


def _generator(seed: int) -> Any:
    import torch

    return torch.Generator().manual_seed(seed)


def _loader(
    dataset: Any, data: Any, generator: Any, *, shuffle: bool = False, sampler: Any = None
) -> Any:
    import torch
    from torch.utils.data import DataLoader

    if dataset is None:
        return None
    return DataLoader(
        dataset,
        batch_size=int(setting(data, "batch_size", 8)),
        shuffle=shuffle,
        sampler=sampler,
        num_workers=int(setting(data, "num_workers", 0)),
        collate_fn=collate_samples,
        generator=generator,
        pin_memory=torch.cuda.is_available(),
    )


def collate_samples(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stack ``input``, ``target`` and ``mask``; ``meta`` becomes a list of dicts."""
    import torch

    shapes = {tuple(s["input"].shape) for s in samples}
    if len(shapes) > 1:
        fields = [s["meta"]["field_id"] for s in samples]
        raise DataError(
            f"samples of one batch have different sizes {sorted(shapes)} (fields {fields[:4]}). "
            "Add a resize or crop transform (data.transforms / data.val_transforms, e.g. "
            "{name: resize, size: 256}) or use batch_size 1."
        )
    return {
        "input": torch.stack([s["input"] for s in samples]),  # (B, Cin, H, W)
        "target": torch.stack([s["target"] for s in samples]),  # (B, Cout, H, W)
        "mask": torch.stack([s["mask"] for s in samples]),  # (B, Cout)
        "meta": [s["meta"] for s in samples],
    }


def input_contract(
    layout: Layout, records: Sequence[FieldRecord], transforms: Sequence[Any]
) -> dict[str, Any]:
    """The model's input contract implied by the data (see ``i2i.predict.InputContract``)."""
    params = layout.params
    z: Any = params.z
    if z == "all":
        z = records[0].z_planes
    sizes = {r.pixel_size_um for r in records}
    pixel_size = params.resample_to_um or (sizes.pop() if len(sizes) == 1 else None)
    contract: dict[str, Any] = {
        "input_channels": layout.input_names,
        "z_planes": list(z) if isinstance(z, list) else z,
        "normalization": "none",
        "pixel_size_um": pixel_size,
        "output_channels": list(layout.target_names),
    }
    for transform in transforms:
        contract.update(getattr(transform, "contract", None) or {})
    return contract


def detect_layout(root: Path, reader: str | None = None) -> Layout:
    """The registered layout that finds the most fields in ``root`` given only the root.

    Layouts that need more than a root (a table, a pattern) are not tried.
    """
    from pydantic import ValidationError

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
