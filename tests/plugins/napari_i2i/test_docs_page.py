"""docs/napari.md: its Python example runs as written, its install line names a real extra."""

from __future__ import annotations

import re

import pytest
import tomllib
from install_support import REPO

DOC = REPO / "docs" / "napari.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def test_python_examples_run(display, shared_data, cache, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data.as_uri())
    monkeypatch.chdir(tmp_path)
    (example,) = blocks("python")
    exec(compile(example, str(DOC), "exec"), {})
    printed = capsys.readouterr().out
    assert "Predicts: nucleus" in printed
    assert "(256, 256) additive" in printed
    assert printed.rstrip().endswith("nucleus")
    assert (tmp_path / "corner_nucleus.ome.zarr").is_dir()


def test_the_install_line_names_the_napari_extra():
    (install,) = blocks("bash")
    extra = re.fullmatch(r'pip install "i2i-microscopy\[(\w+)\]"\n', install)
    assert extra is not None
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("napari") for dep in extras[extra.group(1)])
    assert "i2i-microscopy[napari]" in extras["napari-test"]


def test_the_screenshot_shown_is_committed():
    (image,) = re.findall(r"!\[[^]]*\]\((images/[^)]+\.png)\)", DOC.read_text())
    assert (DOC.parent / image).stat().st_size > 10_000


@pytest.mark.slow
def test_the_screenshot_script_draws_the_three_layers(display, shared_data, cache, monkeypatch):
    """docs/napari_screenshot.py on a corner of the field (the docs' PNG is the whole field)."""
    import importlib.util

    import numpy as np
    from PIL import Image

    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data.as_uri())
    spec = importlib.util.spec_from_file_location(
        "napari_screenshot", DOC.parent / "napari_screenshot.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = script.main(cache / "shot.png", crop=256)
    picture = np.asarray(Image.open(out))
    assert picture.ndim == 3 and picture.shape[0] > 300 and picture.std() > 10
