"""The plugin-facing command API: what a plugin's ``i2i_add_cli_commands(app)`` hook receives.

Kept apart from the command group that gathers the contributions
(:mod:`i2i.cli.plugin_commands`) so that the hook specification can name this type without
importing the plugin host.
"""

from __future__ import annotations

from collections.abc import Collection

import typer

from i2i.errors import I2IError, close_matches


class PluginCommandError(I2IError):
    """A plugin adds a command that clashes with another, or extends a group that does not exist."""


class PluginCommands(typer.Typer):
    """What ``i2i_add_cli_commands(app)`` receives: a typer app whose commands join ``i2i``.

    ``app.command("name")`` adds ``i2i name``; ``app.add_typer(sub, name="acme")`` adds the
    group ``i2i acme ...``; ``app.group("model").command("name")`` adds ``i2i model name`` to
    the core group ``model`` (any of :attr:`core_groups`).
    """

    def __init__(self, core_groups: Collection[str]) -> None:
        super().__init__(add_completion=False)
        self.core_groups = sorted(core_groups)
        self.extensions: dict[str, typer.Typer] = {}

    def group(self, name: str) -> typer.Typer:
        """The core command group ``name``: commands added to it appear as ``i2i NAME ...``."""
        if name not in self.core_groups:
            hint = close_matches(name, self.core_groups)
            raise PluginCommandError(
                f"'i2i {name}' is not a command group of i2i"
                + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                + f"; app.group() extends one of {', '.join(self.core_groups)}. Add a new group "
                "with app.add_typer(typer.Typer(), name=...) instead."
            )
        return self.extensions.setdefault(name, typer.Typer())
