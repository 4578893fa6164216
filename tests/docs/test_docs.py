"""Docs are checked against the code: every hook is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from i2i import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOOKS = [
    name for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("i2i_")
]


def test_there_are_hooks():
    assert "i2i_register" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring(hook):
    assert (getattr(hookspecs, hook).__doc__ or "").strip()


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_in_plugins_page(hook):
    text = (DOCS / "plugins.md").read_text()
    assert f"### `{hook}" in text, f"docs/plugins.md has no section for {hook}"


def test_every_cli_command_has_a_section_in_cli_page():
    """Core commands and those the installed plugins add (``predict-lmc``) alike."""
    import typer.main

    from i2i.cli import app

    command = typer.main.get_command(app)
    names = command.list_commands(command.make_context("i2i", ["--help"], resilient_parsing=True))  # type: ignore[attr-defined]
    assert "predict-lmc" in names
    text = (DOCS / "cli.md").read_text()
    for name in names:
        assert f"### `i2i {name}" in text, f"docs/cli.md has no section for 'i2i {name}'"
