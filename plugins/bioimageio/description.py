"""The bioimage.io model description (spec 0.5) of an i2i model, built with ``bioimageio.spec``.

One input tensor ``input`` (batch, channel, y, x) and one output ``output`` (batch, channel, y,
x, the organelles as channel names). The spatial input size is parameterised by the model's
size multiple; the output has the input's size and a halo of half the recipe's tile overlap
(what i2i's sliding window discards where tiles meet). The preprocessing is the spec's own
``scale_range`` over y and x (the contract's percentiles, per sample and channel, as i2i
normalises each input plane) followed by ``clip`` to [0, 1] when the contract clips. What the
spec cannot express is kept in ``config.i2i`` (the zoo card, the input contract, the recipe and
the model spec), from which i2i reopens the package exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bioimageio.spec.model.v0_5 as s
import torch
from pydantic import ValidationError

from i2i.contract import InputContract
from i2i.errors import I2IError, validation_problems
from i2i_plugins.bioimageio.citations import Citation

INPUT_ID = "input"
OUTPUT_ID = "output"


class DescriptionError(I2IError):
    """The model's metadata cannot be expressed as a valid bioimage.io description."""


@dataclass(frozen=True)
class PackageFiles:
    """The files a description points at (absolute paths, copied into the package)."""

    test_input: Path
    test_output: Path
    cover: Path
    documentation: Path
    weights: Mapping[str, Path]
    """``torchscript``, ``onnx`` and/or ``pytorch_state_dict`` weights."""
    attachments: Sequence[Path] = ()
    architecture: Mapping[str, object] | None = None
    """The keyword arguments of the pytorch_state_dict architecture (:mod:`.architecture`)."""
    environment: Path | None = None
    """The conda environment file the pytorch_state_dict architecture needs."""


@dataclass(frozen=True)
class ModelFacts:
    """What the description says about the model."""

    name: str
    description: str
    authors: Sequence[str]
    licence: str
    citations: Sequence[Citation]
    contract: InputContract
    input_names: Sequence[str]
    multiple: int
    min_side: int
    halo: int
    tags: Sequence[str]
    config: Mapping[str, object]


def model_description(facts: ModelFacts, files: PackageFiles) -> s.ModelDescr:
    """A validated ``bioimageio.spec.model.v0_5.ModelDescr``; invalid metadata is a
    :class:`DescriptionError` naming the fields."""
    try:
        return s.ModelDescr(
            name=facts.name,
            description=facts.description,
            authors=[s.Author(name=name) for name in facts.authors],
            cite=[s.CiteEntry(text=text, **where) for text, where in facts.citations],
            license=facts.licence,
            covers=[s.FileDescr(source=files.cover)],
            documentation=s.FileDescr(source=files.documentation),
            attachments=[s.FileDescr(source=path) for path in files.attachments],
            tags=list(facts.tags),
            inputs=[_input(facts, files)],
            outputs=[_output(facts, files)],
            weights=_weights(files),
            config=s.Config(**{"i2i": dict(facts.config)}),
        )
    except ValidationError as exc:
        raise DescriptionError(
            f"The bioimage.io description of {facts.name!r} is invalid "
            f"({validation_problems(exc, 'model')}). Fix the export options named there "
            "(--name needs at least 5 characters, --licence an SPDX id, --author a name)."
        ) from None


def _input(facts: ModelFacts, files: PackageFiles) -> s.InputTensorDescr:
    contract = facts.contract
    low, high = contract.percentiles
    preprocessing: list[s.PreprocessingDescr] = [
        s.ScaleRangeDescr(
            kwargs=s.ScaleRangeKwargs(
                axes=[s.AxisId("y"), s.AxisId("x")],
                min_percentile=low,
                max_percentile=high,
            )
        )
    ]
    if contract.normalization == "none":
        preprocessing = []
    elif contract.clip:
        preprocessing.append(s.ClipDescr(kwargs=s.ClipKwargs(min=0.0, max=1.0)))
    size = s.ParameterizedSize(min=facts.min_side, step=facts.multiple)
    return s.InputTensorDescr(
        id=s.TensorId(INPUT_ID),
        description="Transmitted-light image, raw intensities (the preprocessing normalises).",
        axes=[
            s.BatchAxis(),
            s.ChannelAxis(channel_names=[s.Identifier(n) for n in facts.input_names]),
            *[_space_in(axis, size, contract.pixel_size_um) for axis in ("y", "x")],
        ],
        test_tensor=s.FileDescr(source=files.test_input),
        data=s.IntervalOrRatioDataDescr(type="float32"),
        preprocessing=preprocessing,
    )


def _output(facts: ModelFacts, files: PackageFiles) -> s.OutputTensorDescr:
    names = [identifier(n) for n in facts.contract.output_channels]
    return s.OutputTensorDescr(
        id=s.TensorId(OUTPUT_ID),
        description="Predicted fluorescence per organelle, in the targets' normalised units.",
        axes=[
            s.BatchAxis(),
            s.ChannelAxis(channel_names=[s.Identifier(n) for n in names]),
            *[_space_out(axis, facts.halo, facts.contract.pixel_size_um) for axis in ("y", "x")],
        ],
        test_tensor=s.FileDescr(source=files.test_output),
        data=s.IntervalOrRatioDataDescr(type="float32"),
    )


def _space_in(axis: str, size: s.ParameterizedSize, pixel_size: float | None) -> s.SpaceInputAxis:
    scale: dict[str, object] = {"unit": "micrometer", "scale": pixel_size} if pixel_size else {}
    return s.SpaceInputAxis(id=s.AxisId(axis), size=size, **scale)


def _space_out(axis: str, halo: int, pixel_size: float | None) -> s.OutputAxis:
    scale: dict[str, object] = {"unit": "micrometer", "scale": pixel_size} if pixel_size else {}
    reference = s.SizeReference(tensor_id=s.TensorId(INPUT_ID), axis_id=s.AxisId(axis))
    if halo == 0:
        return s.SpaceOutputAxis(id=s.AxisId(axis), size=reference, **scale)
    return s.SpaceOutputAxisWithHalo(id=s.AxisId(axis), size=reference, halo=halo, **scale)


def _weights(files: PackageFiles) -> s.WeightsDescr:
    weights = files.weights
    version = s.Version(torch.__version__.split("+")[0])
    entries: dict[str, object] = {}
    if "torchscript" in weights:
        entries["torchscript"] = s.TorchscriptWeightsDescr(
            source=weights["torchscript"], pytorch_version=version
        )
    if "onnx" in weights:
        from i2i_plugins.bioimageio.tracing import OPSET

        entries["onnx"] = s.OnnxWeightsDescr(source=weights["onnx"], opset_version=OPSET)
    if "pytorch_state_dict" in weights:
        from i2i_plugins.bioimageio.architecture import CALLABLE, IMPORT_FROM

        entries["pytorch_state_dict"] = s.PytorchStateDictWeightsDescr(
            source=weights["pytorch_state_dict"],
            architecture=s.ArchitectureFromLibraryDescr(
                callable=s.Identifier(CALLABLE),
                import_from=IMPORT_FROM,
                kwargs=dict(files.architecture or {}),
            ),
            pytorch_version=version,
            dependencies=s.FileDescr(source=files.environment) if files.environment else None,
        )
    return s.WeightsDescr(**entries)


def identifier(name: object) -> str:
    """``name`` as a bioimage.io identifier (letters, digits, '_'; not starting with a digit)."""
    text = re.sub(r"[^A-Za-z0-9_]+", "_", str(name)).strip("_") or "channel"
    return text if not text[0].isdigit() else f"c{text}"
