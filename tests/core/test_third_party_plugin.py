"""A real third-party plugin package, pip-installed, seen by `i2i plugins` and `i2i components`.

The example package in docs/examples/i2i-example-plugin and a deliberately broken package are
installed with pip into temporary folders put on PYTHONPATH of an `i2i` subprocess, so the
test environment itself is not changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from install_support import EXAMPLE_PLUGIN, pip_install_to


def i2i_with(path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(path), **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "i2i", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture(scope="module")
def example_installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("example_site")
    pip_install_to(target, EXAMPLE_PLUGIN)
    return target


@pytest.fixture(scope="module")
def broken_installed(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("broken_src")
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "i2i-broken-plugin"\nversion = "0.0.1"\n'
        '[project.entry-points.i2i]\nbroken = "i2i_broken_plugin"\n'
    )
    (source / "i2i_broken_plugin").mkdir()
    (source / "i2i_broken_plugin" / "__init__.py").write_text(
        "raise ImportError('this plugin is broken on purpose')\n"
    )
    target = tmp_path_factory.mktemp("broken_site")
    pip_install_to(target, source)
    return target


def test_example_plugin_is_listed(example_installed):
    result = i2i_with(example_installed, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["example"]["status"] == "ok"
    assert plugins["example"]["distribution"] == "i2i-example-plugin"
    assert plugins["pixel_losses"]["status"] == "ok"


def test_example_component_is_listed_with_its_provider(example_installed):
    result = i2i_with(example_installed, "components", "losses", "--json")
    components = {c["name"]: c for c in json.loads(result.stdout)}
    assert components["example.charbonnier"]["provider"] == "example"
    assert "epsilon" in components["example.charbonnier"]["params"]["properties"]


def test_example_component_is_usable_by_name(example_installed):
    code = (
        "import torch, i2i\n"
        "loss = i2i.registries.losses.create({'name': 'example.charbonnier', 'epsilon': 0.5})\n"
        "x = torch.zeros(1, 1, 4, 4)\n"
        "print(float(loss(x, x)[0]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(example_installed)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(0.5)


def test_example_command_runs_through_the_i2i_cli(example_installed):
    listed = i2i_with(example_installed, "--help")
    assert listed.returncode == 0 and "example" in listed.stdout
    result = i2i_with(
        example_installed,
        "example",
        "charbonnier",
        "--epsilon",
        "0.5",
        "--max",
        "1.2",
        "--steps",
        "2",
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [[float(v) for v in row] for row in rows] == [
        [0.0, 0.5, 0.0],
        [1.2, pytest.approx(1.3, abs=1e-4), 1.2],
    ]
    plugins = {
        p["name"]: p for p in json.loads(i2i_with(example_installed, "plugins", "--json").stdout)
    }
    assert plugins["example"]["hooks"] == ["i2i_add_cli_commands", "i2i_register"]


def test_example_plugin_own_tests_pass(example_installed):
    env = {**os.environ, "PYTHONPATH": str(example_installed)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLE_PLUGIN / "tests"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=EXAMPLE_PLUGIN,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_broken_plugin_is_reported_and_components_still_work(broken_installed):
    result = i2i_with(broken_installed, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["broken"]["status"] == "failed"
    assert "broken on purpose" in plugins["broken"]["error"]
    components = i2i_with(broken_installed, "components", "--json")
    assert components.returncode == 0
    assert any(c["name"] == "l1" for c in json.loads(components.stdout))


def test_broken_plugin_is_fatal_in_strict_mode(broken_installed):
    result = i2i_with(broken_installed, "--strict-plugins", "components")
    assert result.returncode == 1
    assert "'broken'" in result.stderr and "broken on purpose" in result.stderr
    result = i2i_with(broken_installed, "components", I2I_STRICT_PLUGINS="1")
    assert result.returncode == 1
