"""The commands' side of the i2i_open_container hook: nothing for plain paths, a clear error
for a plugin answering with something that is not an ImageContainer (the plates plugin's real
container: tests/plugins/hcs_plates/test_container.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from i2i import hookimpl
from i2i.cli import app
from i2i.cli.containers import open_container
from i2i.errors import I2IError

runner = CliRunner()


class _AnswersWithADict:
    """A plugin whose hook returns a plain dict for folders named *.box."""

    @hookimpl
    def i2i_open_container(self, path: Path) -> object:
        return {"path": path} if path.suffix == ".box" else None


def test_paths_no_plugin_claims_are_left_to_the_readers(i2i_host, tmp_path):
    i2i_host.add_plugin(_AnswersWithADict())
    (tmp_path / "image.tif").write_bytes(b"")
    assert open_container(tmp_path / "image.tif") is None
    assert open_container(tmp_path / "absent.box") is None  # never asked: no such path


def test_a_plugin_answering_with_another_type_is_an_error_naming_the_path(i2i_host, tmp_path):
    i2i_host.add_plugin(_AnswersWithADict())
    (tmp_path / "screen.box").mkdir()
    with pytest.raises(I2IError, match=r"screen.box: a plugin's i2i_open_container returned dict"):
        open_container(tmp_path / "screen.box")
    result = runner.invoke(app, ["info", str(tmp_path / "screen.box")])
    assert result.exit_code == 1 and "not an i2i.containers.ImageContainer" in str(result.exception)
