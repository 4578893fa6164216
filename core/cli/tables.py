"""Listing tables (``i2i zoo list``, ``plugins``, ``components``, ``recipe list``) that stay
readable at 80 columns and in pipes.

Rich cuts a cell that does not fit to ``…`` (or crops the last column), so a narrow terminal
or a pipe (80 columns unless ``COLUMNS`` says otherwise) loses names. Here the column widths
are decided first: each column gets the width of its longest line, then the widest columns
are narrowed (their text wraps at spaces) but never below their longest word, so a name is
never split or cut. A value given as several lines (a list) keeps one item per line. Columns
are one space apart under a rule, which leaves the width to the text. When even the narrowest
columns do not fit, each row is printed as a block of ``header: value`` lines instead. Cells
are text: brackets in a description are shown, not read as rich markup. The full records are
what each command's ``--json`` prints.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

LONGEST_UNSPLIT_WORD = 26
"""Words up to this length (every hook, component and model name) are never split; longer
ones (paths, URLs) are folded."""


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` under ``headers`` on stdout, fitted to the console width."""
    from rich.console import Console

    console = Console(highlight=False)
    widths = column_widths(headers, rows, console.width)
    if widths is None:
        _print_records(console, headers, rows)
        return
    _print_columns(console, headers, rows, widths)


def column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> list[int] | None:
    """Widths for the columns within ``width`` characters (one space between columns), or
    None when the longest words alone need more."""
    columns = [[header, *(row[i] for row in rows)] for i, header in enumerate(headers)]
    natural = [
        max(len(line) for text in cells for line in text.splitlines() or [""]) for cells in columns
    ]
    least = [
        min(
            natural[i],
            max(min(len(w), LONGEST_UNSPLIT_WORD) for t in cells for w in t.split() or [""]),
        )
        for i, cells in enumerate(columns)
    ]
    available = width - (len(headers) - 1)
    if sum(least) > available:
        return None
    widths = list(natural)
    while sum(widths) > available:
        narrowed = max(range(len(widths)), key=lambda i: (widths[i] > least[i], widths[i]))
        widths[narrowed] -= 1
    return widths


def _print_columns(
    console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: list[int]
) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, show_edge=False)
    for header, column_width in zip(headers, widths, strict=True):
        table.add_column(header, width=column_width, overflow="fold")
    for row in rows:
        table.add_row(*map(escape, row))
    console.print(table)


def _print_records(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Each row as its first value, then ``header: value`` lines wrapped to the width."""
    for row in rows:
        lines = [row[0]]
        for header, value in zip(headers[1:], row[1:], strict=True):
            text = f"{header}: " + ", ".join(value.splitlines())
            lines += textwrap.wrap(
                text, console.width, initial_indent="  ", subsequent_indent="    "
            ) or [f"  {header}:"]
        console.out("\n".join(lines), highlight=False)
