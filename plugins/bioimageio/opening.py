"""Open a bioimage.io package that i2i exported, for ``i2i predict -m package.zip``.

The description (``rdf.yaml``) is read as plain YAML; the package must have one 2-D input and
one 2-D output, each (batch, channel, y, x), and the ``config.i2i`` that i2i writes (the input
contract, the recipe's predict section, the size multiple; the zoo card, whose organelles,
modality, pixel size, licence and citation the opened package carries with the description's
authors). Weights are tried in the order
``i2i`` (the attached ``.safetensors``, the exact model), ``torchscript`` (``torch.jit.load``),
``onnx`` (onnxruntime, CPU), each checked against its sha256 in the description first. Nothing
is unpickled: a package with only ``pytorch_state_dict`` (a pickle) or other formats is refused.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from hashlib import sha256
from pathlib import Path
from typing import cast

import torch
from torch import nn

from i2i.errors import I2IError
from i2i.model_formats import ModelPackage, PackageCard
from i2i.safe_yaml import YAMLContentError, decode_utf8, load_checked
from i2i.zoo.card import parse_card
from i2i_plugins.bioimageio.layout import package_description

RUNNABLE = ("i2i", "torchscript", "onnx")
"""The weight formats i2i runs, in the order it prefers them."""
AXES = ("batch", "channel", "space", "space")


class PackageOpenError(I2IError):
    """A bioimage.io package cannot be run by i2i."""


def open_package(path: Path) -> ModelPackage:
    """The model, contract, recipe and card of the i2i-exported package at ``path``."""
    rdf, read = _contents(path)
    _check_axes(rdf, path)
    weights = found if isinstance(found := rdf.get("weights"), dict) else {}
    config = section.get("i2i") if isinstance(section := rdf.get("config"), dict) else None
    available = {**weights, **_i2i_attachment(rdf, config)}
    chosen = next((f for f in RUNNABLE if f in available), None)
    if chosen is None:
        raise PackageOpenError(
            f"{path}: i2i cannot run this package's weights ({', '.join(weights) or 'none'}); "
            f"it runs {', '.join(RUNNABLE)} weights (never pickled pytorch_state_dict, whose "
            "loading can run arbitrary code). Run it with bioimageio.core, or export the model "
            "with TorchScript or ONNX weights."
        )
    if not isinstance(config, dict) or "input_contract" not in config:
        raise PackageOpenError(
            f"{path}: this package was not exported by i2i (its rdf.yaml has no config.i2i with "
            "an input contract), so i2i cannot tell how to prepare images for it. Run it with "
            "bioimageio.core ('bioimageio predict')."
        )
    entry = available[chosen]
    data = _verified(read, entry, path)
    model = _model(chosen, data, _channel_count(rdf, path), int(config.get("size_multiple") or 1))
    metadata = {k: config.get(k) for k in ("input_contract", "recipe", "model", "step")}
    return ModelPackage(
        model=model,
        metadata=metadata,
        source=f"{path} ({chosen} weights)",
        card=_card(rdf, config, path),
    )


def _card(
    rdf: Mapping[str, object], config: Mapping[str, object], path: Path
) -> PackageCard | None:
    """The zoo card in ``config.i2i.card`` with the description's authors; ``None`` when the
    package has no card."""
    found = config.get("card")
    if found is None:
        return None
    return parse_card(found, f"{path}: rdf.yaml config.i2i.card").facts(_authors(rdf))


def _authors(rdf: Mapping[str, object]) -> tuple[str, ...]:
    """The names of the description's ``authors``."""
    authors = found if isinstance(found := rdf.get("authors"), list) else []
    return tuple(str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name"))


def _contents(path: Path) -> tuple[dict[str, object], Callable[[str], bytes]]:
    name = package_description(path)
    if name is None:
        raise PackageOpenError(f"{path}: not a bioimage.io package (no rdf.yaml).")
    if path.is_file() and path.suffix == ".zip":
        archive = zipfile.ZipFile(path)

        def read(member: str) -> bytes:
            return archive.read(member)

    else:
        folder = path if path.is_dir() else path.parent

        def read(member: str) -> bytes:
            return (folder / member).read_bytes()

    try:  # an untrusted file: bounded alias expansion, no repeated keys (i2i.safe_yaml)
        rdf = load_checked(decode_utf8(read(name))).data
    except YAMLContentError as exc:
        raise PackageOpenError(f"{path}: {name}: {exc}") from None
    if not isinstance(rdf, dict):
        raise PackageOpenError(f"{path}: {name} is not a mapping.")
    return rdf, read


def _check_axes(rdf: Mapping[str, object], path: Path) -> None:
    for kind in ("inputs", "outputs"):
        tensors = rdf.get(kind)
        if not isinstance(tensors, list) or len(tensors) != 1:
            count = len(tensors) if isinstance(tensors, list) else 0
            raise PackageOpenError(
                f"{path}: the package has {count} {kind}; i2i predicts models with one input "
                "and one output image."
            )
        axes = tensors[0].get("axes") if isinstance(tensors[0], dict) else None
        names = [_axis_name(a) for a in axes or []]
        if [a.get("type") for a in axes or [] if isinstance(a, dict)] != list(AXES) or names[
            2:
        ] != ["y", "x"]:
            raise PackageOpenError(
                f"{path}: {kind[:-1]} axes ({', '.join(names)}) are not supported: i2i predicts "
                "2-D images with axes (batch, channel, y, x). Run 3-D or time models with "
                "bioimageio.core."
            )


def _axis_name(axis: object) -> str:
    if not isinstance(axis, dict):
        return str(axis)
    return str(axis.get("id") or axis.get("type"))


def _channel_count(rdf: Mapping[str, object], path: Path) -> int:
    # _check_axes found one input whose axes are four mappings (batch, channel, y, x)
    inputs = cast(list[dict[str, object]], rdf["inputs"])
    axes = cast(list[dict[str, object]], inputs[0]["axes"])
    names = axes[1].get("channel_names") or []
    if not isinstance(names, list):
        raise PackageOpenError(
            f"{path}: rdf.yaml inputs[0] channel axis has channel_names {names!r}, not a list "
            "of names; export the package again with i2i."
        )
    return len(names)


def _i2i_attachment(rdf: Mapping[str, object], config: object) -> dict[str, dict[str, str]]:
    """``{"i2i": attachment entry}`` when the package attaches the i2i weights it names."""
    name = config.get("weights") if isinstance(config, dict) else None
    attachments = found if isinstance(found := rdf.get("attachments"), list) else []
    for entry in attachments:
        if isinstance(entry, dict) and entry.get("source") == name:
            return {"i2i": entry}
    return {}


def _verified(read: Callable[[str], bytes], entry: object, path: Path) -> bytes:
    if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
        raise PackageOpenError(f"{path}: a weights entry has no source file.")
    data = read(entry["source"])
    expected = entry.get("sha256")
    if expected and sha256(data).hexdigest() != expected:
        raise PackageOpenError(
            f"{path}: {entry['source']} does not match its sha256 in rdf.yaml (expected "
            f"{expected}, got {sha256(data).hexdigest()}); the package is damaged. Export or "
            "download it again."
        )
    return data


def _model(weight_format: str, data: bytes, in_channels: int, size_multiple: int) -> nn.Module:
    if weight_format == "i2i":
        from i2i.model import load_translator

        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "weights.safetensors"
            file.write_bytes(data)
            translator, _ = load_translator(file)
        return translator
    if weight_format == "torchscript":
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        return PackagedModel(module, in_channels, size_multiple)
    return PackagedModel(OnnxModule(data), in_channels, size_multiple)


class PackagedModel(nn.Module):
    """A traced model with what the predictor asks of a model: input channels, size multiple."""

    def __init__(self, module: nn.Module, in_channels: int, size_multiple: int):
        super().__init__()
        self.module = module
        self.in_channels = in_channels
        self.size_multiple = size_multiple

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self.module(x)
        return result


class OnnxModule(nn.Module):
    """An ONNX model run by onnxruntime on the CPU, taking and returning torch tensors."""

    def __init__(self, data: bytes):
        super().__init__()
        import onnxruntime

        self.session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        array = x.detach().float().cpu().numpy()
        output = self.session.run(None, {self.input_name: array})[0]
        return torch.from_numpy(output).to(x.device)
