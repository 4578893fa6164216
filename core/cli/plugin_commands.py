"""Commands that plugins add to ``i2i`` through the ``i2i_add_cli_commands`` hook.

Each plugin's hook receives its own :class:`PluginCommands`, a typer app: what the plugin adds
there joins ``i2i`` only when the hook returns without error and no name clashes, so a broken
hook leaves no half of its commands behind. :class:`PluginCommandsGroup` is the root command
group of ``i2i``; it asks the plugins for their commands the first time a command is looked up
or listed (after the global options are parsed, so ``--strict-plugins`` applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import typer
import typer.main
from typer.core import TyperGroup

from i2i.commands import PluginCommandError, PluginCommands

if TYPE_CHECKING:  # typer's own copy of click (plain click in older typer releases)
    from typer._click import Command, Context

HOOK = "i2i_add_cli_commands"
CORE = "i2i (core)"


class PluginCommandsGroup(TyperGroup):
    """The root group of ``i2i``: the core commands, then those every loaded plugin adds."""

    _plugin_commands_added = False

    def list_commands(self, ctx: Context) -> list[str]:
        self._add_plugin_commands(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        self._add_plugin_commands(ctx)
        return super().get_command(ctx, cmd_name)

    def _add_plugin_commands(self, ctx: Context) -> None:
        if self._plugin_commands_added:
            return
        self._plugin_commands_added = True
        from i2i.plugins import default_host

        host = default_host(strict=True if ctx.find_root().params.get("strict_plugins") else None)
        core_groups = {
            name: group for name, group in self.commands.items() if isinstance(group, TyperGroup)
        }
        providers: dict[str, str] = {}
        for info, implementation in host.implementations(HOOK):
            contribution = PluginCommands(core_groups)
            try:
                implementation(app=contribution)
                self._merge(contribution, info.name, core_groups, providers)
            except Exception as exc:  # a broken plugin must not break i2i
                host.fail_hook(info, HOOK, exc)

    def _merge(
        self,
        contribution: PluginCommands,
        plugin: str,
        core_groups: Mapping[str, TyperGroup],
        providers: dict[str, str],
    ) -> None:
        """Add the plugin's commands, or none of them when one clashes with an existing command."""
        additions: list[tuple[TyperGroup, tuple[str, ...], Mapping[str, Command]]] = [
            (self, (), typer.main.get_group(contribution).commands)
        ]
        for name, extension in contribution.extensions.items():
            added = typer.main.get_group(extension).commands
            additions.append((core_groups[name], (name,), added))
        for group, path, commands in additions:
            for name in commands:
                full = " ".join(("i2i", *path, name))
                if name in group.commands:
                    owner = providers.get(full, CORE)
                    raise PluginCommandError(
                        f"plugin {plugin!r} adds the command '{full}', which {owner} already "
                        "provides. Rename the plugin's command (third-party plugins: put "
                        "commands in a group named after the plugin)."
                    )
        for group, path, commands in additions:
            for name, command in commands.items():
                group.add_command(command, name)
                providers[" ".join(("i2i", *path, name))] = f"plugin {plugin!r}"
