"""Commands from plugins (hook ``i2i_add_cli_commands``): listed, run, and failures isolated."""

from __future__ import annotations

import json

import typer
from pydantic import Field
from typer.testing import CliRunner

import i2i
from i2i.cli import app
from i2i.errors import PluginError

runner = CliRunner()


def hello(name: str = typer.Argument("world")) -> None:
    """Say hello (a plugin's command)."""
    typer.echo(f"hello {name}")


class Greeter:
    """A plugin adding a top-level command, a command to the core group 'model', and a group."""

    @i2i.hookimpl
    def i2i_add_cli_commands(self, app):
        app.command("hello")(hello)
        app.group("model").command("hello")(hello)
        group = typer.Typer(help="The greeter's own commands.")
        group.command("again")(hello)
        app.add_typer(group, name="greeter")


class Params(i2i.Params):
    weight: float = Field(1.0, description="A weight.")


class BrokenCommands:
    """Registers a component, adds a command, then its command hook raises."""

    @i2i.hookimpl
    def i2i_register(self, registries):
        registries.losses.add(
            "broken.l1", params=Params, factory="builtins:print", description="A loss."
        )

    @i2i.hookimpl
    def i2i_add_cli_commands(self, app):
        app.command("half")(hello)
        raise RuntimeError("command hook broken on purpose")


class Clashing:
    @i2i.hookimpl
    def i2i_add_cli_commands(self, app):
        app.command("predict")(hello)


class UnknownGroup:
    @i2i.hookimpl
    def i2i_add_cli_commands(self, app):
        app.group("modle").command("hello")(hello)


def plugins_json() -> dict[str, dict]:
    result = runner.invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    return {info["name"]: info for info in json.loads(result.output)}


def test_plugin_commands_are_listed_and_run(i2i_host):
    i2i_host.add_plugin(Greeter())
    assert "hello" in runner.invoke(app, ["--help"]).output
    assert "greeter" in runner.invoke(app, ["--help"]).output
    assert "hello" in runner.invoke(app, ["model", "--help"]).output
    for command in (["hello", "you"], ["model", "hello", "you"], ["greeter", "again", "you"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and result.output == "hello you\n", result.output
    assert "i2i_add_cli_commands" in plugins_json()["Greeter"]["hooks"]


def test_a_broken_command_hook_is_reported_and_skipped(i2i_host):
    i2i_host.add_plugin(BrokenCommands())
    i2i_host.add_plugin(Greeter())
    assert "broken.l1" in i2i_host.registries.losses
    infos = plugins_json()
    assert infos["BrokenCommands"]["status"] == "failed"
    assert "i2i_add_cli_commands failed" in infos["BrokenCommands"]["error"]
    assert "broken on purpose" in infos["BrokenCommands"]["error"]
    assert infos["Greeter"]["status"] == "ok"
    assert "broken.l1" not in i2i_host.registries.losses  # a failed plugin is skipped whole
    assert runner.invoke(app, ["half"]).exit_code == 2  # none of its commands
    assert runner.invoke(app, ["hello"]).output == "hello world\n"


def test_a_broken_command_hook_is_an_error_in_strict_mode(i2i_host):
    i2i_host.strict = True
    i2i_host.add_plugin(BrokenCommands())
    result = runner.invoke(app, ["--strict-plugins", "components"])
    assert isinstance(result.exception, PluginError)
    assert "'BrokenCommands'" in str(result.exception)
    assert "broken on purpose" in str(result.exception)


def test_a_command_that_clashes_names_both_providers(i2i_host):
    i2i_host.add_plugin(Greeter())
    second = type("Greeter2", (Greeter,), {})()
    i2i_host.add_plugin(second)
    i2i_host.add_plugin(Clashing())
    infos = plugins_json()
    assert "'i2i predict', which i2i (core) already provides" in infos["Clashing"]["error"]
    assert "'i2i hello', which plugin 'Greeter' already provides" in infos["Greeter2"]["error"]
    assert "Predict images" in runner.invoke(app, ["predict", "--help"]).output


def test_extending_an_unknown_group_is_the_plugins_failure(i2i_host):
    i2i_host.add_plugin(UnknownGroup())
    error = plugins_json()["UnknownGroup"]["error"]
    assert "'i2i modle' is not a command group of i2i (did you mean model?)" in error


def test_first_party_plugins_add_their_commands():
    assert "predict-lmc" in runner.invoke(app, ["--help"]).output
    assert "import-taming" in runner.invoke(app, ["model", "--help"]).output
