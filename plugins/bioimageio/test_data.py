"""The export's test input: a centre crop of a real image, arranged as the model's input.

From ``--test-image`` when given (opened with i2i's readers), else from the run's first
validation field (the run's recipe names the dataset, its ``split.json`` the field). The crop
keeps raw intensities: bioimage.io applies the percentile normalisation itself (the package's
preprocessing), and i2i's :mod:`i2i.normalization` does the same for the reference output.
Never random noise: an export without a real image is an error saying how to give one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from i2i.contract import InputContract
from i2i.errors import I2IError
from i2i.model_formats import ExportRequest

MAX_SIDE = 256
"""Side of the test crop at most (the validator runs the model on it several times per weight
format); at most one tile of the recipe's tiling, too."""


class TestDataError(I2IError):
    """No real image to make the export's test data from."""


def test_input(
    request: ExportRequest,
    metadata: dict[str, object],
    contract: InputContract,
    multiple: int,
    tile_size: int = MAX_SIDE,
) -> tuple[np.ndarray, str]:
    """(1, C_in, S, S) float32 raw pixels of a real image, and where they come from; S is the
    largest multiple of ``multiple`` up to ``tile_size``, ``MAX_SIDE`` and the image's sides."""
    if request.test_image is not None:
        planes = _image_planes(request.test_image, contract)
        source = str(request.test_image)
    else:
        planes, source = _validation_planes(request, metadata, contract)
    return _centre_crop(planes, multiple, min(tile_size, MAX_SIDE), source)[None], source


def _image_planes(path: Path, contract: InputContract) -> np.ndarray:
    """(C_in, H, W): the contract's channels and z-planes of the first time point of ``path``."""
    from i2i.io import open_image

    if not path.is_file():
        raise TestDataError(f"--test-image {path}: no such file.")
    image = open_image(path)
    size_z = image.shape[2]
    picks = _z_picks(contract, size_z, str(path))
    region = image.read(t=0, channel=contract.input_channels, z=slice(0, size_z))[0]
    return np.asarray(region[:, picks], dtype=np.float32).reshape(-1, *region.shape[-2:])


def _z_picks(contract: InputContract, size_z: int, source: str) -> list[int]:
    if contract.z_planes == "each" or contract.z_planes == "middle":
        return [size_z // 2]
    bad = [z for z in contract.z_planes if not 0 <= z < size_z]
    if bad:
        raise TestDataError(
            f"{source}: the model reads z-planes {contract.z_planes} but the image has {size_z}."
            " Give a --test-image with these planes."
        )
    return list(contract.z_planes)


def _validation_planes(
    request: ExportRequest, metadata: dict[str, object], contract: InputContract
) -> tuple[np.ndarray, str]:
    from i2i.data.build import build_layout
    from i2i.data.splits import read_split
    from i2i.io import open_image

    how = (
        "Give a real image of the model's input with --test-image IMAGE (a field the model "
        "was not trained on is best)."
    )
    split_file = request.weights.parent / "split.json"
    recipe = metadata.get("recipe")
    data = recipe.get("data") if isinstance(recipe, dict) else None
    if not split_file.is_file() or not isinstance(data, dict) or "dataset" not in data:
        raise TestDataError(
            f"{request.source}: the export needs a real test image, and this is not a run "
            f"folder with a split.json and a recipe naming its dataset. {how}"
        )
    fields = read_split(split_file).get("val") or []
    try:
        records = {r.field_id: r for r in build_layout(data["dataset"], data.get("reader")).index()}
    except I2IError as exc:
        raise TestDataError(
            f"{request.source}: the run's dataset cannot be read ({exc}). {how}"
        ) from None
    record = next((records[f] for f in fields if f in records), None)
    if record is None:
        raise TestDataError(f"{request.source}: the run has no validation field on disk. {how}")
    channels = [str(c) for c in contract.input_channels or record.input_channels]
    z_values = record.z_planes
    picks = _z_picks(contract, len(z_values), record.field_id)
    planes = []
    for channel in channels:
        for z in picks:
            ref = record.input_plane(channel, z_values[z])
            plane = open_image(ref.path).read_plane(channel=ref.channel, z=ref.z)
            planes.append(np.asarray(plane, dtype=np.float32))
    return np.stack(planes), f"validation field {record.field_id} of run {request.source}"


def _centre_crop(planes: np.ndarray, multiple: int, limit: int, source: str) -> np.ndarray:
    height, width = planes.shape[-2:]
    side = min(limit, height, width) // multiple * multiple
    if side < multiple:
        raise TestDataError(
            f"{source}: the image ({height} x {width}) is smaller than the model's size "
            f"multiple {multiple}. Give a larger --test-image."
        )
    top, left = (height - side) // 2, (width - side) // 2
    return np.ascontiguousarray(planes[:, top : top + side, left : left + side])
