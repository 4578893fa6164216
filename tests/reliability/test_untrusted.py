"""Files a user did not write: recipes, weights, model cards and downloads from elsewhere.

Each case is an attack or an accident seen in practice (issue 19, items 10-12, 15, 16): it must
end in one clear :class:`i2i.errors.I2IError` naming the file, quickly and within bounded
memory, never in an exhausted machine or a silently wrong result. Cases that could hang or eat
the machine before their fix run in a subprocess under a timeout and an address-space limit.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

MEMORY_LIMIT = 2 << 30
"""Address space of a subprocess running an adversarial case (bytes)."""

TIME_LIMIT = 30.0
"""Seconds a subprocess running an adversarial case may take."""


def run_bounded(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``args`` with ``MEMORY_LIMIT`` of address space and ``TIME_LIMIT`` seconds."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    start = time.monotonic()
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            preexec_fn=limit_memory,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} ran past {TIME_LIMIT} s")
    return done, time.monotonic() - start


def i2i_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "i2i", *args]


def alias_bomb(levels: int = 9) -> str:
    """A YAML "billion laughs": ``levels`` lists of 9 aliases of the previous one (9**levels)."""
    lines = ["name: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for level in range(1, levels):
        anchor = f"a{level}"
        lines.append(f"{anchor}: &{anchor} [{','.join([f'*{previous}'] * 9)}]")
        previous = anchor
    return "\n".join(lines) + "\n"


# --- item 12: recipes -------------------------------------------------------------------------


def test_a_recipe_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    recipe = tmp_path / "bomb.yaml"
    recipe.write_text(alias_bomb())
    assert recipe.stat().st_size < 600

    done, seconds = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1, done.stderr
    output = done.stdout + done.stderr
    assert "bomb.yaml" in output and "alias bomb" in output
    assert "Traceback" not in output and "this is a bug" not in output
    assert seconds < 20


def test_a_recipe_that_sets_a_key_twice_is_refused_not_resolved_to_the_last(tmp_path):
    recipe = tmp_path / "twice.yaml"
    recipe.write_text("name: twice\ntrain:\n  max_steps: 5\n  max_steps: 7000\n")

    done, _ = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "train.max_steps" in output and "twice.yaml:4" in output
    assert "lines 3 and 4" in output


def test_a_recipe_in_latin1_names_the_file_and_the_offset(tmp_path):
    recipe = tmp_path / "latin1.yaml"
    recipe.write_bytes("name: r\ndescription: Zürich\n".encode("latin-1"))

    done, _ = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "latin1.yaml" in output and "not UTF-8" in output and "offset 22" in output
    assert "this is a bug" not in output
