"""Model formats: the exporters ``i2i zoo export --format`` chooses from, and package opening.

i2i's own format, ``i2i`` (the weights and a zoo card, :func:`i2i.zoo.export.export_model`),
is always there; plugins add others through the ``i2i_model_exporters`` hook (the first-party
``bioimageio`` plugin adds ``bioimageio``, ``onnx`` and ``torchscript``). Paths that are not i2i
weights are offered to the ``i2i_open_model_package`` hook by :func:`open_model_package`.
"""

from __future__ import annotations

from pathlib import Path

from i2i.errors import I2IError, did_you_mean
from i2i.model_formats import ExportRequest, ModelExporter, ModelPackage
from i2i.zoo.loading import RUN_FOLDER_WEIGHTS

I2I_FORMAT = ModelExporter(
    name="i2i",
    description="The i2i weights (.safetensors) and a zoo card (.yaml) for I2I_ZOO_MANIFEST.",
    export="i2i.zoo.export:export_request",
)


class ExportFormatError(I2IError):
    """An export format is unknown, or provided twice."""


def model_exporters() -> dict[str, ModelExporter]:
    """Every export format by name: i2i's own and those of the loaded plugins."""
    from i2i.plugins import default_host

    return default_host().gather_named(
        "i2i_model_exporters",
        "Export format",
        ExportFormatError,
        builtin={"i2i": I2I_FORMAT},
    )


def export_as(format_name: str, request: ExportRequest) -> list[Path]:
    """Export ``request`` in the format called ``format_name``: the paths written, main first."""
    exporters = model_exporters()
    if format_name not in exporters:
        raise ExportFormatError(
            f"Unknown export format {format_name!r}.{did_you_mean(format_name, exporters)} "
            f"Formats: {', '.join(exporters)}. The bioimageio, onnx and torchscript formats "
            "come with the bioimageio plugin and need its libraries: "
            "pip install 'i2i-microscopy[bioimageio]'."
        )
    return exporters[format_name].resolve()(request)


def open_model_package(path: str | Path) -> ModelPackage | None:
    """The package at ``path`` opened by a plugin; ``None`` when the path is i2i weights, a run
    folder, a zoo name, or nothing a plugin recognises."""
    candidate = Path(path).expanduser()
    if not candidate.exists() or candidate.suffix == ".safetensors":
        return None
    if candidate.is_dir() and any((candidate / name).is_file() for name in RUN_FOLDER_WEIGHTS):
        return None  # a run folder
    from i2i.plugins import default_host

    package: ModelPackage | None = default_host().manager.hook.i2i_open_model_package(
        path=candidate
    )
    return package
