"""Packaging: the wheel holds everything an editable install has, and start-up stays light."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from install_support import REPO, pip_install_to

PACKAGE_ROOTS = {"core": "i2i", "plugins": "i2i_plugins"}
HEAVY_MODULES = ("torch", "timm", "bioio", "zarr", "tifffile", "accelerate", "skimage")


def declared_packages() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_declared():
    found = {"i2i.recipes", "i2i.model_zoo"}
    for folder, package in PACKAGE_ROOTS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            found.add(".".join([package, *relative.parts]))
    assert found == declared_packages()


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory) -> Path:
    """The project built as a wheel and installed (without dependencies) into a folder."""
    source = tmp_path_factory.mktemp("source") / "i2i"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "runs"
        ),
    )
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("*.whl")
    site = tmp_path_factory.mktemp("site")
    pip_install_to(site, wheel)
    return site


def run_in(site: Path, code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=site, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


INSPECT = """
import json, importlib.resources, i2i
from i2i.plugins import load_host
host = load_host(strict=True)
print(json.dumps({
    "file": i2i.__file__,
    "recipes": sorted(p.name for p in importlib.resources.files("i2i.recipes").iterdir()
                      if p.name.endswith(".yaml")),
    "zoo": sorted(p.name for p in importlib.resources.files("i2i.model_zoo").iterdir()
                  if not p.name.startswith("_")),
    "plugins": host.plugin_names(),
    "components": sorted(f"{c.kind}:{c.name}" for c in host.registries.components()),
}))
"""


def test_wheel_and_editable_install_agree(wheel_site):
    from_wheel = json.loads(run_in(wheel_site, INSPECT))
    editable = json.loads(run_in(REPO / "tests", INSPECT))
    assert from_wheel["file"].startswith(str(wheel_site))
    assert not editable["file"].startswith(str(wheel_site))
    for key in ("recipes", "zoo", "plugins", "components"):
        assert from_wheel[key] == editable[key], key


LIGHT_COMMANDS = [["--help"], ["plugins"], ["components"], ["model", "--help"], ["data", "--help"]]


@pytest.mark.parametrize("command", LIGHT_COMMANDS)
def test_light_commands_import_no_heavy_library(command):
    """Plugins register names, Params and commands without importing torch, bioio and friends."""
    code = (
        "import sys\nfrom i2i.cli import main\n"
        f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules], file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stderr.strip().splitlines()[-1] == "[]"
