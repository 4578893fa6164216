"""The foundation commands through the CLI a user types: --version, plugins, components, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import i2i
from i2i.cli import app

runner = CliRunner()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "i2i", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"i2i {i2i.__version__}"


def test_plugins_json_lists_first_party_plugins_ok():
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["pixel_losses"]["status"] == "ok"
    assert plugins["pixel_losses"]["hooks"] == ["i2i_register"]


def test_components_json_has_provider_and_params():
    result = runner.invoke(app, ["components", "losses", "--json"])
    components = {c["name"]: c for c in json.loads(result.stdout)}
    assert components["l1"]["provider"] == "pixel_losses"
    assert components["l1"]["kind"] == "losses"
    assert "weight" in components["l1"]["params"]["properties"]


def test_components_table():
    result = runner.invoke(app, ["components", "losses"])
    assert result.exit_code == 0
    assert "smooth_l1" in result.stdout


def test_user_error_is_one_paragraph_without_traceback():
    result = run_cli("components", "loses")
    assert result.returncode == 1
    assert "Unknown component kind 'loses'. Did you mean 'losses'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = run_cli("--debug", "components", "loses")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("command", [[], ["plugins"], ["components"]])
def test_help_has_an_example(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout or not command
