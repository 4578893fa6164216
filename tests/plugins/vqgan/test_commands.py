"""``i2i model import-taming`` comes from the vqgan plugin (CLI hook), under one name."""

from __future__ import annotations

from typer.testing import CliRunner

import i2i_plugins.vqgan
from i2i.cli import app, main

runner = CliRunner()


def test_import_taming_is_a_model_command_of_the_vqgan_plugin(i2i_host):
    assert runner.invoke(app, ["model", "import-taming", "--help"]).exit_code == 2
    i2i_host.add_plugin(i2i_plugins.vqgan)
    result = runner.invoke(app, ["model", "import-taming", "--help"])
    assert result.exit_code == 0 and "weights_only=True" in result.output


def test_zoo_import_taming_is_gone(capsys):
    try:
        main(["zoo", "import-taming", "--help"])
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2
    assert "No such command 'import-taming'" in capsys.readouterr().err
    result = runner.invoke(app, ["zoo", "--help"])
    assert result.exit_code == 0 and "import-taming" not in result.output
