"""Shared fixtures: the real sample data in ../shared/data and isolated plugin state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
_CANDIDATES = [REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data")]
SHARED_DATA = Path(
    os.environ.get("I2I_SHARED_DATA")
    or next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
)
"""The real sample data: $I2I_SHARED_DATA, else ../shared/data beside the checkout."""


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real microscopy samples (skips the test when it is absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real sample data not found at {SHARED_DATA} (set I2I_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _fresh_plugin_host():
    """Each test starts from a freshly loaded plugin host (environment changes take effect)."""
    from i2i.plugins import reset_default_host

    reset_default_host()
    yield
    reset_default_host()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty i2i cache folder for this test, online, with the bundled zoo manifest."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("I2I_CACHE_DIR", str(folder))
    monkeypatch.delenv("I2I_OFFLINE", raising=False)
    monkeypatch.delenv("I2I_ZOO_MANIFEST", raising=False)
    return folder
