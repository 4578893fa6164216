"""docs/performance.md: its benchmark commands name scripts and options that exist, and its
GPU table describes every section of benchmarks/gpu_suite.py. (The smoke command itself runs
in tests/benchmarks/test_gpu_suite.py.)"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "performance.md"


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", PAGE.read_text(), re.DOTALL)
    lines = [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines()]
    starts = ("python benchmarks/", "bash benchmarks/")
    return [shlex.split(line) for line in lines if line.startswith(starts)]


def _suite_sections() -> tuple[str, ...]:
    tree = ast.parse((ROOT / "benchmarks" / "gpu_suite.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SECTIONS":
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("benchmarks/gpu_suite.py has no SECTIONS")


def test_every_command_names_a_script_and_its_options():
    commands = _commands()
    assert ["python", "benchmarks/gpu_suite.py", "--smoke", "--json", "smoke.json"] in commands
    for command in commands:
        script = ROOT / command[1]
        assert script.is_file(), command
        source = script.read_text()
        if command[0] == "bash":
            assert f"{command[2]})" in source, f"{command[1]} has no mode {command[2]}"
        for option in (word for word in command[2:] if word.startswith("--")):
            assert f'"{option}"' in source, f"{command[1]} has no option {option}"


def test_the_gpu_table_describes_every_suite_section():
    text = PAGE.read_text()
    gpu = text.split("## On a GPU", 1)[1].split("\n## ", 1)[0]
    described = set(re.findall(r"^\| `(\w+)` \|", gpu, re.MULTILINE))
    assert described == set(_suite_sections()) - {"env"}
