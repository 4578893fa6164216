"""docs/sharing.md: the walk-through exports the bundled model as a bioimage.io package, the
ecosystem's validator passes it, and i2i predicts with it — the commands run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docs_support import run_bash

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sharing.md"

pytest.importorskip("bioimageio.core", reason="needs the bioimageio extra")


def walk_through() -> str:
    section = PAGE.read_text().split("## Walk-through", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/sharing.md lost its walk-through command block"
    return block.group(1)


@pytest.mark.slow  # about 40 s on a quiet 2-core machine: export, bioimageio test, predict
def test_the_walk_through_runs_as_written(shared_data, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "isl").symlink_to(shared_data / "isl_condition_b", True)
    result = run_bash(walk_through(), tmp_path, I2I_CACHE_DIR=str(tmp_path / "cache"))
    assert "passed" in result.stdout
    assert (tmp_path / "published" / "isl-phase-dapi-unet.bioimageio.zip").is_file()
    assert (tmp_path / "dapi.ome.tif").is_file()
