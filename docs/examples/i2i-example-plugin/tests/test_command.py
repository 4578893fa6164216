"""How a third-party plugin tests its command: the ``i2i_host`` fixture and typer's runner."""

import i2i_example_plugin
from typer.testing import CliRunner

from i2i.cli import app


def test_charbonnier_command_prints_epsilon_at_zero_difference(i2i_host):
    i2i_host.add_plugin(i2i_example_plugin)
    args = ["example", "charbonnier", "--epsilon", "0.25", "--max", "0", "--steps", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["0.0000", "0.2500", "0.0000"]
