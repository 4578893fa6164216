"""Running a docs page's commands as a user would: bash, in a folder, this environment's i2i."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_bash(script: str, cwd: Path, timeout: int = 600, **env: str) -> subprocess.CompletedProcess:
    """Run ``script`` with bash -euo pipefail in ``cwd``, this environment's i2i first on PATH
    and ``env`` set; a failure shows the ends of its output."""
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed
