"""The examples of docs/metrics.md's "Objects and measurements" section run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
from object_support import nuclei_field, stain
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import PixelSizes
from i2i.io import write_image

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def _section() -> str:
    text = DOC.read_text()
    start = text.index("## Objects and measurements")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _example_folders(root: Path) -> None:
    rng = np.random.default_rng(0)
    for index in range(3):
        real = stain(nuclei_field(128, 9, seed=index), seed=index)
        predicted = real + rng.normal(0, 20, real.shape).astype(np.float32)
        for folder, plane in (("targets", real), ("preds", predicted)):
            (root / folder).mkdir(exist_ok=True)
            write_image(
                root / folder / f"field{index}.ome.tif",
                plane[None, None, None],
                channel_names=["DAPI"],
                pixel_sizes=PixelSizes(),
            )


def test_the_section_has_examples():
    section = _section()
    assert "```python" in section and "```bash" in section


def test_command_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _example_folders(tmp_path)
    commands = re.findall(r"```bash\n(.*?)```", _section(), flags=re.S)
    lines = [line for block in commands for line in block.splitlines() if line.strip()]
    assert lines
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "i2i", line
        result = CliRunner().invoke(app, words[1:])
        assert result.exit_code == 0, (line, result.output, result.exception)
    assert (tmp_path / "eval_objects" / "objects_references.csv").is_file()
    assert (tmp_path / "eval" / "objects" / "objects.json").is_file()  # i2i evaluate --objects
    assert "## Objects and measurements" in (tmp_path / "eval" / "report.md").read_text()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _example_folders(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", _section(), flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    assert (tmp_path / "eval_objects" / "objects.md").is_file()


def test_the_recipe_example_is_a_valid_evaluate_section_and_the_evaluate_example_writes():
    import yaml

    from i2i.recipe.sections import EvaluateSection

    (block,) = re.findall(r"```yaml\n(.*?)```", _section(), flags=re.S)
    section = EvaluateSection.model_validate(yaml.safe_load(block)["evaluate"])
    objects = section.extensions["objects"]
    assert objects["segmentation"]["min_distance"] == 6 and objects["iou_threshold"] == 0.5
    commands = re.findall(r"```bash\n(.*?)```", _section(), flags=re.S)
    assert any("i2i evaluate --pred" in c and "--objects" in c for c in commands)
