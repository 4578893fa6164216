"""Share i2i models where the field runs them: bioimage.io model packages, ONNX and TorchScript.

Adds the export formats ``bioimageio``, ``onnx`` and ``torchscript`` to ``i2i zoo export
--format`` and opens the bioimage.io packages i2i exported for ``i2i predict -m package.zip``
(or its ``rdf.yaml``). The export libraries (``bioimageio.spec``, ``onnx``, ``onnxruntime``) come
with the extra ``pip install 'i2i-microscopy[bioimageio]'`` and are imported only when used.
See ``docs/sharing.md``.
"""

from __future__ import annotations

from pathlib import Path

import i2i
from i2i.model_formats import ModelExporter, ModelPackage

__all__ = ["i2i_model_exporters", "i2i_open_model_package"]


@i2i.hookimpl
def i2i_model_exporters() -> list[ModelExporter]:
    return [
        ModelExporter(
            "bioimageio",
            "A bioimage.io model package (zip): TorchScript, ONNX and pytorch_state_dict weights, "
            "test data, cover.",
            "i2i_plugins.bioimageio.package:export_package",
        ),
        ModelExporter(
            "onnx",
            "The model traced to ONNX (quantizer included), dynamic height and width.",
            "i2i_plugins.bioimageio.standalone:export_onnx",
        ),
        ModelExporter(
            "torchscript",
            "The model traced to TorchScript (quantizer included).",
            "i2i_plugins.bioimageio.standalone:export_torchscript",
        ),
    ]


@i2i.hookimpl
def i2i_open_model_package(path: Path) -> ModelPackage | None:
    from i2i_plugins.bioimageio.layout import package_description

    if package_description(path) is None:
        return None
    from i2i_plugins.bioimageio.opening import open_package

    return open_package(path)
