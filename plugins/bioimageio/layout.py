"""Where a bioimage.io package keeps its description: a zip with ``rdf.yaml`` (or
``bioimageio.yaml``) at its root, a folder holding one, or the YAML file itself."""

from __future__ import annotations

import zipfile
from pathlib import Path

DESCRIPTION_NAMES = ("rdf.yaml", "bioimageio.yaml")


def package_description(path: Path) -> str | None:
    """The description file's name inside ``path`` (its own name for a YAML file); ``None``
    when ``path`` is not a bioimage.io package."""
    if path.is_file() and path.name in DESCRIPTION_NAMES:
        return path.name
    if path.is_dir():
        return next((n for n in DESCRIPTION_NAMES if (path / n).is_file()), None)
    if path.is_file() and path.suffix == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        return next((n for n in DESCRIPTION_NAMES if n in names), None)
    return None
