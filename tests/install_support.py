"""Installing packages into throw-away folders, so tests never change their own environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_PLUGIN = REPO / "docs" / "examples" / "i2i-example-plugin"


def pip_install_to(target: Path, package: Path) -> None:
    """``pip install --target TARGET PACKAGE`` (a source folder or a wheel), without deps."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(package),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
