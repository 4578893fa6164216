"""Dataset layouts: Light My Cells, JUMP Cell Painting (cpg0000), a paired table, a file pattern.

Beside the layouts, what knows their file names: the demo writers (``i2i data demo``) and the
Light My Cells challenge container contract (``i2i predict-lmc``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import i2i
from i2i.registry import Registries
from i2i_plugins.datasets.params import JumpParams, LMCParams, PairedTableParams, PatternParams

if TYPE_CHECKING:
    from i2i.commands import PluginCommands

__all__ = ["JumpParams", "LMCParams", "PairedTableParams", "PatternParams"]


@i2i.hookimpl
def i2i_register(registries: Registries) -> None:
    add = registries.datasets.add
    add(
        "lmc",
        params=LMCParams,
        factory="i2i_plugins.datasets.lmc:LMCLayout",
        description="Light My Cells: Study_N/image_{id}_{BF|DIC|PC}_z{k}.ome.tiff + organelles.",
        example={"root": "lmc_demo"},
    )
    add(
        "jump_cellpaint",
        params=JumpParams,
        factory="i2i_plugins.datasets.jump:JumpLayout",
        description="JUMP Cell Painting cpg0000: r01c01f01p01-ch{1..8}sk1fk1fl1.tiff per site.",
        example={"root": "jump_demo"},
    )
    add(
        "paired_table",
        params=PairedTableParams,
        factory="i2i_plugins.datasets.table:PairedTableLayout",
        description="A CSV or Parquet table listing input and target files per field.",
        example={"root": "data", "table": "pairs.csv", "targets": ["nucleus"]},
    )
    add(
        "pattern",
        params=PatternParams,
        factory="i2i_plugins.datasets.pattern:PatternLayout",
        description="Files matched by a regular expression with named groups (channel, z, fov).",
        example={
            "root": "data",
            "regex": r"(?P<fov>\w+)_(?P<channel>\w+)\.tif",
            "inputs": ["bf"],
            "targets": ["dapi"],
        },
    )


@i2i.hookimpl
def i2i_add_cli_commands(app: PluginCommands) -> None:
    from i2i_plugins.datasets.commands import demo_command, predict_lmc_command

    app.command("predict-lmc")(predict_lmc_command)
    app.group("data").command("demo")(demo_command)
