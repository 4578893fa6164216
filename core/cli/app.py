"""The typer application, global options and output helpers shared by every command.

Plugins add commands to it through the ``i2i_add_cli_commands`` hook (see
:mod:`i2i.cli.plugin_commands`).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from i2i._version import __version__
from i2i.cli.plugin_commands import PluginCommandsGroup

app = typer.Typer(
    name="i2i",
    cls=PluginCommandsGroup,
    help="Image-to-image translation for microscopy: in silico painting of organelles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    debug: bool = False


state = _State()


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"i2i {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the Python traceback of errors.")
    ] = False,
    strict_plugins: Annotated[
        bool,
        typer.Option("--strict-plugins", help="Fail when a plugin cannot be loaded."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Image-to-image translation for microscopy: in silico painting of organelles."""
    from i2i.atomic import removing_temporaries_on_sigterm

    state.debug = debug or state.debug
    if strict_plugins:
        os.environ["I2I_STRICT_PLUGINS"] = "1"
    ctx.with_resource(removing_temporaries_on_sigterm())


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def warnings_as_messages() -> Iterator[None]:
    """Show warnings raised inside as ``Warning: <message>`` lines on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, *args, **kwargs: typer.echo(
            f"Warning: {message}", err=True
        )
        yield
