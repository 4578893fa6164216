"""``i2i zoo list``, ``plugins``, ``components`` and ``recipe list`` at 80 columns and in
narrow terminals: no line is longer than the width and every value the table shows from the
``--json`` records is there whole (rich would cut cells to ``…``)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.cli.tables import LONGEST_UNSPLIT_WORD

runner = CliRunner()


def shown_words(command: list[str], record) -> list[str]:
    """The words of the JSON record that the table of ``command`` shows."""
    if command == ["zoo", "list"]:
        values = [record["name"], *record["organelles"], record["status"], record["cached"]]
    elif command == ["plugins"]:
        values = [record[k] for k in ("name", "distribution", "version", "status")]
        values += [*record["hooks"], str(record["components"])]
    elif command == ["components"]:
        values = [record[k] for k in ("name", "kind", "provider", "description")]
    else:
        values = [record[k] for k in ("name", "provider", "description")]
    return [word for value in values for word in str(value).split()]


@pytest.mark.parametrize("columns", [80, 40])
@pytest.mark.parametrize(
    "command", [["zoo", "list"], ["plugins"], ["components"], ["recipe", "list"]]
)
def test_listing_tables_fit_the_width_and_lose_nothing(command, columns):
    env = {"COLUMNS": str(columns)}
    text = runner.invoke(app, command, env=env)
    assert text.exit_code == 0, text.output
    records = json.loads(runner.invoke(app, [*command, "--json"], env=env).stdout)
    lines = text.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= columns
    assert "…" not in text.stdout
    words = set(text.stdout.replace(",", " ").split())
    compact = "".join(text.stdout.split())  # a word longer than any column is folded
    for record in records:
        missing = [
            word
            for word in shown_words(command, record)
            if word.rstrip(",") not in words
            and not (len(word) > LONGEST_UNSPLIT_WORD and word in compact)
        ]
        assert not missing, (record.get("name"), missing)


def test_brackets_in_a_table_cell_are_text_not_markup(capsys):
    from i2i.cli.tables import print_table

    print_table(["name", "description"], [["x", "needs i2i[objects] and [red]"]])
    assert "i2i[objects] and [red]" in capsys.readouterr().out
