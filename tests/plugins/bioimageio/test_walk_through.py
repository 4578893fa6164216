"""docs/sharing.md's VQGAN walk-through: the README's VQGAN quickstart trained (with the smoke
settings the page gives), exported as a bioimage.io package, and passed by the ecosystem's own
validator (``bioimageio test``) for every weight format — the page's commands, run as written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml
from docs_support import run_bash

PAGE = Path(__file__).resolve().parents[3] / "docs" / "sharing.md"
SECTION = "## Walk-through: the VQGAN quickstart model"
TRAIN = "i2i run quickstart"


def commands() -> str:
    """The walk-through's commands with its training line replaced by the page's smoke line."""
    text = PAGE.read_text()
    assert SECTION in text, f"docs/sharing.md lost the section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    walk_through, smoke = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    lines = walk_through.splitlines()
    (smoke_line,) = smoke.splitlines()
    assert lines.count(TRAIN) == 1 and smoke_line.startswith(TRAIN + " ")
    return "\n".join(smoke_line if line == TRAIN else line for line in lines) + "\n"


def test_the_vqgan_walk_through_runs_as_written(shared_data, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "isl").symlink_to(shared_data / "isl_condition_b", True)
    result = run_bash(commands(), tmp_path, timeout=300, I2I_CACHE_DIR=str(tmp_path / "cache"))
    output = result.stdout + result.stderr
    assert re.search(r"status\s+passed", result.stdout), result.stdout[-3000:]
    package = tmp_path / "published" / "isl-phase-dapi-vqgan.bioimageio.zip"
    with zipfile.ZipFile(package) as archive:
        description = yaml.safe_load(archive.read("rdf.yaml"))
    formats = set(description["weights"])
    assert formats == {"torchscript", "onnx", "pytorch_state_dict"}
    for weight_format in formats:  # the validator ran each
        assert f"Testing inference with '{weight_format}'" in output
    assert description["config"]["i2i"]["recipe"]["name"] == "quickstart"
    assert "Le and Lundberg" in " ".join(c["text"] for c in description["cite"])
