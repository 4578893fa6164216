"""The npe2 manifest validates with napari's own validator; i2i never imports napari or Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from install_support import REPO

NPE2 = Path(sys.executable).with_name("npe2")
MANIFEST = REPO / "plugins" / "napari_i2i" / "napari.yaml"
GUI_MODULES = ("napari", "qtpy", "PyQt5", "PyQt6", "PySide2", "PySide6", "magicgui", "vispy")


def npe2(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(NPE2), *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_manifest_file_is_valid():
    result = npe2("validate", str(MANIFEST))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid!" in result.stdout


def test_the_installed_plugin_is_valid_and_its_python_names_import():
    """Found through the napari.manifest entry point, every python_name imported."""
    result = npe2("validate", "--imports", "i2i-microscopy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid!" in result.stdout


LIGHT = f"""
import json, sys
from i2i.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
from i2i.plugins import load_host
host = load_host()
import i2i_plugins.napari_i2i
import i2i_plugins.napari_i2i.reader, i2i_plugins.napari_i2i.writer
import i2i_plugins.napari_i2i.samples, i2i_plugins.napari_i2i.job, i2i_plugins.napari_i2i.models
print(json.dumps({{
    "gui": [m for m in {GUI_MODULES!r} if m in sys.modules],
    "plugins": host.plugin_names(),
}}))
"""


def test_i2i_its_plugins_and_the_readers_import_no_napari_or_qt():
    """napari and Qt load only with the widget module, which napari itself imports."""
    result = subprocess.run(
        [sys.executable, "-c", LIGHT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["gui"] == []
    assert not [name for name in found["plugins"] if "napari" in name]  # not an i2i plugin
