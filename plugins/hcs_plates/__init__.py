"""HCS OME-Zarr plates: reading, writing, conversion, whole-plate prediction, a dataset layout.

A plate (NGFF 0.4 or 0.5) is read from its ``plate`` and ``well`` metadata; each field is an
OME-Zarr image that the core's readers open as ``plate.zarr/B/03/0``. A plate given to ``i2i
info``, ``i2i predict`` or ``i2i evaluate`` is opened by the ``i2i_open_container`` hook as a
:class:`~i2i_plugins.hcs_plates.container.PlateContainer`; ``i2i plate info|convert|predict|
evaluate`` are the plugin's own commands; dataset: ``hcs_plate``. ome-zarr-py (the ``plates``
extra) writes the plate and well metadata; nothing heavy is imported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import i2i
from i2i.registry import Registries
from i2i_plugins.hcs_plates.params import PlateDatasetParams

if TYPE_CHECKING:
    from pathlib import Path

    from i2i.commands import PluginCommands
    from i2i.containers import ImageContainer

__all__ = ["PlateDatasetParams"]


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    registries.datasets.add(
        "hcs_plate",
        params=PlateDatasetParams,
        factory="i2i_plugins.hcs_plates.dataset:PlateDatasetLayout",
        description="HCS OME-Zarr plates: fields by well, inputs and targets by channel name.",
        example={"root": "plate.ome.zarr", "inputs": ["BF"], "targets": ["DNA"]},
    )


@i2i.hookimpl
def i2i_add_cli_commands(app: PluginCommands) -> None:
    from i2i_plugins.hcs_plates.commands import plate_app

    app.add_typer(plate_app, name="plate")


@i2i.hookimpl
def i2i_open_container(path: Path) -> ImageContainer | None:
    from i2i_plugins.hcs_plates.metadata import is_plate, read_plate

    if not is_plate(path):
        return None  # a field (plate.zarr/B/03/0) is an image, read by the core
    from i2i_plugins.hcs_plates.container import PlateContainer

    return PlateContainer(read_plate(path))
