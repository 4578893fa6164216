"""docs/data.md: the commands of "Try it without downloading anything" run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from i2i.cli import app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data.md"


def try_it_commands() -> list[list[str]]:
    section = PAGE.read_text().split("## Try it without downloading anything", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/data.md lost its 'Try it' command block"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("i2i ")]


def test_the_try_it_commands_run_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = try_it_commands()
    assert ["recipe", "validate", "lmc_mito", "data.dataset.root=lmc_demo"] in commands
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"i2i {' '.join(args)}:\n{result.output}"
        if args[:2] == ["recipe", "validate"]:
            assert "data.dataset: 5 fields under lmc_demo" in result.output
