"""docs/sharing.md: the walk-through exports the bundled model as a bioimage.io package, the
ecosystem's validator passes it, and i2i predicts with it — the commands run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        "I2I_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walk_through()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed" in result.stdout
    assert (tmp_path / "published" / "isl-phase-dapi-unet.bioimageio.zip").is_file()
    assert (tmp_path / "dapi.ome.tif").is_file()
