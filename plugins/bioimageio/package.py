"""``i2i zoo export --format bioimageio``: a bioimage.io model package (spec 0.5) of an i2i model.

The package holds the model traced to TorchScript and ONNX (:mod:`.tracing`) and its
``pytorch_state_dict`` with an importable i2i architecture (:mod:`.architecture`), each run on
the test image and checked against the PyTorch forward, the i2i weights as an attachment (so
i2i reopens it exactly), the test input and expected output (``.npy``) from a real image
(:mod:`.test_data`), a cover (input | prediction), a README, and ``rdf.yaml`` built with
``bioimageio.spec``'s classes (:mod:`.description`) and written with its
``save_bioimageio_package`` (a zip) or ``save_bioimageio_package_as_folder`` (``--no-zip``).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from i2i.atomic import move_into_place
from i2i.contract import InputContract
from i2i.errors import I2IError
from i2i.model_formats import ExportRequest
from i2i.tiling import Tiling
from i2i_plugins.bioimageio.tracing import TracingError

TRACED_FORMATS = ("torchscript", "onnx")
CONSUMER_FORMATS = (*TRACED_FORMATS, "pytorch_state_dict")
"""The weight formats bioimage.io consumers run."""
WEIGHT_FORMATS = (*CONSUMER_FORMATS, "i2i")
"""What a package can carry: those, and the i2i weights as an attachment."""


class PackageError(I2IError):
    """A bioimage.io package cannot be written with the given options."""


def export_package(request: ExportRequest) -> list[Path]:
    """Write ``<out_dir>/<name>.bioimageio.zip`` (or the folder ``<name>.bioimageio/``)."""
    _check_request(request)
    formats = _weight_formats(request.weight_formats)
    from i2i.model import load_translator
    from i2i.zoo.export import export_metadata

    metadata = export_metadata(request.weights)
    translator, _ = load_translator(request.weights)
    contract = InputContract.from_metadata(metadata["input_contract"], str(request.weights))
    multiple = math.lcm(contract.size_multiple, translator.size_multiple)
    suffix = ".bioimageio.zip" if request.zip else ".bioimageio"
    final = request.out_dir / f"{request.name}{suffix}"
    request.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=request.out_dir, prefix=f".{request.name}.") as work:
        staging = Path(work)
        descr = _stage(request, metadata, translator, contract, multiple, formats, staging)
        written = _save(descr, staging / f"package{suffix}", request.zip)
        move_into_place(written, final)
    _normal_permissions(final)
    return [final]


def _check_request(request: ExportRequest) -> None:
    if request.licence in ("", "NOASSERTION"):
        raise PackageError(
            "A bioimage.io package needs the licence of its weights: give --licence with an "
            "SPDX identifier (CC-BY-4.0, MIT, ...)."
        )
    if not request.authors:
        raise PackageError(
            "A bioimage.io package needs its authors: give --author NAME (repeatable)."
        )


def _weight_formats(given: list[str] | None) -> list[str]:
    formats = list(given or WEIGHT_FORMATS)
    unknown = [f for f in formats if f not in WEIGHT_FORMATS]
    if unknown:
        raise PackageError(
            f"--weight-format {', '.join(unknown)}: a package can carry "
            f"{', '.join(WEIGHT_FORMATS)} (i2i: the .safetensors weights as an attachment)."
        )
    if not any(f in CONSUMER_FORMATS for f in formats):
        raise PackageError(
            "bioimage.io consumers run TorchScript, ONNX or pytorch_state_dict weights: give "
            "--weight-format torchscript, onnx and/or pytorch_state_dict (with --weight-format "
            "i2i if i2i should reopen it exactly)."
        )
    return formats


def _stage(
    request: ExportRequest,
    metadata: dict[str, object],
    translator: torch.nn.Module,
    contract: InputContract,
    multiple: int,
    formats: list[str],
    staging: Path,
) -> object:
    from i2i.zoo.export import card_yaml, zoo_card
    from i2i_plugins.bioimageio.citations import citations
    from i2i_plugins.bioimageio.cover import write_cover
    from i2i_plugins.bioimageio.description import (
        ModelFacts,
        PackageFiles,
        identifier,
        model_description,
    )
    from i2i_plugins.bioimageio.readme import readme
    from i2i_plugins.bioimageio.test_data import test_input

    recipe = found if isinstance(found := metadata.get("recipe"), dict) else {}
    tiling = recipe_tiling(recipe)
    raw, source = test_input(request, metadata, contract, multiple, tiling.tile_size)
    normalized = normalize(raw, contract)
    with torch.no_grad():
        reference = translator(torch.from_numpy(normalized))[0].numpy()
    np.save(staging / "test_input.npy", raw)
    np.save(staging / "test_output.npy", reference)
    weights = _weights(translator, normalized, reference, formats, request, staging)
    attachments = []
    if "i2i" in formats:
        attachments.append(staging / f"{request.name}.safetensors")
        shutil.copyfile(request.weights, attachments[0])
    card = zoo_card(request, metadata, f"{request.name}.safetensors")
    halo, min_side = _halo(tiling, multiple, raw.shape[-1])
    spec = metadata.get("model") if isinstance(metadata.get("model"), dict) else {}
    facts = ModelFacts(
        name=request.name,
        description=card.description,
        authors=request.authors,
        licence=request.licence,
        citations=citations(spec, request.citation),  # type: ignore[arg-type]
        contract=contract,
        input_names=_input_names(contract, raw.shape[1], identifier),
        multiple=multiple,
        min_side=min_side,
        halo=halo,
        tags=[
            "i2i",
            "in-silico-labeling",
            "image-to-image",
            *card.organelles,
            *_known(card.input.modality),
        ],
        config={
            "card": card.model_dump(mode="json"),
            "input_contract": metadata["input_contract"],
            "recipe": recipe,
            "model": spec,
            "size_multiple": multiple,
            "step": metadata.get("step"),
            "i2i_version": metadata.get("i2i_version"),
            "weights": attachments[0].name if attachments else None,
            "test_data": source,
        },
    )
    files = PackageFiles(
        test_input=staging / "test_input.npy",
        test_output=staging / "test_output.npy",
        cover=write_cover(raw, reference, staging / "cover.png"),
        documentation=staging / "README.md",
        weights=weights,
        attachments=attachments,
        architecture=_architecture(translator, weights),
        environment=_environment(weights, staging),
    )
    (staging / "README.md").write_text(readme(facts, card_yaml(card), source), encoding="utf-8")
    return model_description(facts, files)


def _architecture(
    translator: torch.nn.Module, weights: dict[str, Path]
) -> dict[str, object] | None:
    """The keyword arguments of the pytorch_state_dict weights' architecture, if written."""
    if "pytorch_state_dict" not in weights:
        return None
    from i2i_plugins.bioimageio.architecture import architecture_spec

    return {"model": architecture_spec(translator.spec)}  # type: ignore[arg-type]


def _environment(weights: dict[str, Path], staging: Path) -> Path | None:
    """The conda environment the pytorch_state_dict architecture needs: i2i from pip."""
    if "pytorch_state_dict" not in weights:
        return None
    import yaml

    from i2i import __version__

    environment = {
        "name": "i2i",
        "channels": ["conda-forge", "nodefaults"],
        "dependencies": ["python>=3.11", "pip", {"pip": [f"i2i-microscopy=={__version__}"]}],
    }
    path = staging / "environment.yaml"
    path.write_text(yaml.safe_dump(environment, sort_keys=False), encoding="utf-8")
    return path


def _known(modality: list[str]) -> list[str]:
    return [m for m in modality if m != "unspecified"]


def normalize(raw: np.ndarray, contract: InputContract) -> np.ndarray:
    """The test input as i2i normalises it: percentiles of each plane of the crop."""
    from i2i.normalization import image_bounds

    if contract.normalization == "none":
        return raw.astype(np.float32)
    planes = raw[0]
    bounds = image_bounds(planes, contract.percentiles)
    return bounds.normalize(planes, contract.clip)[None]


def _weights(
    translator: torch.nn.Module,
    normalized: np.ndarray,
    reference: np.ndarray,
    formats: list[str],
    request: ExportRequest,
    staging: Path,
) -> dict[str, Path]:
    """The consumer weight formats asked for, each run on the test input and checked against
    the PyTorch output; by default one that fails is left out with a warning."""
    from i2i_plugins.bioimageio import architecture, tracing

    builders: dict[str, tuple[Callable[[], bytes], Callable[[bytes], np.ndarray], str]] = {
        "torchscript": (
            lambda: tracing.torchscript_bytes(translator, torch.from_numpy(normalized)),
            lambda data: tracing.run_torchscript(data, normalized),
            "model.torchscript.pt",
        ),
        "onnx": (
            lambda: tracing.onnx_bytes(translator, torch.from_numpy(normalized)),
            lambda data: tracing.run_onnx(data, normalized),
            "model.onnx",
        ),
        "pytorch_state_dict": (
            lambda: architecture.state_dict_bytes(translator),
            lambda data: _run_state_dict(data, translator, normalized),
            "model.state_dict.pt",
        ),
    }
    written: dict[str, Path] = {}
    for weight_format in [f for f in formats if f in CONSUMER_FORMATS]:
        make, run, file_name = builders[weight_format]
        try:
            data = make()
            tracing.check_equal(weight_format, reference, run(data))
        except TracingError as exc:
            if request.weight_formats is not None:
                raise
            warnings.warn(f"{exc} The package is written without it.", stacklevel=2)
            continue
        written[weight_format] = staging / file_name
        written[weight_format].write_bytes(data)
    if not written:
        raise PackageError(
            f"{request.weights}: no weight format a bioimage.io consumer runs works for this "
            "model, so no bioimage.io package can run it; export the i2i weights (--format i2i)."
        )
    return written


def _run_state_dict(data: bytes, translator: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """The state dict loaded into the architecture the package names, as a consumer loads it;
    an architecture that does not build from the spec is a :class:`TracingError`."""
    from i2i_plugins.bioimageio.architecture import architecture_spec, run_state_dict

    try:
        return run_state_dict(data, architecture_spec(translator.spec), x)  # type: ignore[arg-type]
    except Exception as exc:  # whatever fails, consumers could not load these weights either
        raise TracingError(
            "The pytorch_state_dict weights do not load into the architecture the package "
            f"names (i2i_plugins.bioimageio.architecture): {type(exc).__name__}: {exc}"
        ) from exc


def recipe_tiling(recipe: dict[str, object]) -> Tiling:
    """The tiling of the recipe's ``predict`` section (defaults where it has none)."""
    section = recipe.get("predict")
    return Tiling.from_fields(section if isinstance(section, dict) else {}, "the recipe")


def _halo(tiling: Tiling, multiple: int, side: int) -> tuple[int, int]:
    """The output halo (half the recipe's tile overlap) and the smallest input side, both
    fitting the test crop of ``side``."""
    halo = round(tiling.tile_size * tiling.overlap / 2)
    halo = min(halo, max(0, (side - multiple) // 2))
    min_side = multiple * math.ceil((2 * halo + 1) / multiple)
    return halo, min_side


def _input_names(
    contract: InputContract, count: int, identifier: Callable[[object], str]
) -> list[str]:
    """One name per model input channel: the contract's channels (with their z-planes)."""
    channels = [str(c) for c in contract.input_channels or []]
    if isinstance(contract.z_planes, list):
        channels = [f"{c}_z{z}" for c in channels for z in contract.z_planes]
    if len(channels) != count:
        channels = [f"channel{i}" for i in range(count)]
    return [identifier(c) for c in channels]


def _save(descr: object, path: Path, as_zip: bool) -> Path:
    from bioimageio.spec import save_bioimageio_package, save_bioimageio_package_as_folder

    if as_zip:
        return Path(save_bioimageio_package(descr, output_path=path))
    return Path(save_bioimageio_package_as_folder(descr, output_path=path))


def _normal_permissions(path: Path) -> None:
    from i2i.atomic import normal_permissions

    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        normal_permissions(item)
