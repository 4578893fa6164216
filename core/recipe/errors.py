"""Recipe problems and the error that reports all of them at once.

A :class:`Problem` is one thing wrong with a recipe: where (dotted path, file and line), what
value, what is wrong, what is allowed and what the user probably meant. :class:`RecipeError`
collects every problem of a recipe so a user fixes them in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from i2i.errors import I2IError, did_you_mean

Path = tuple[str | int, ...]
"""A position in a recipe: keys and list indices from the top (``("losses", 0, "name")``)."""


def dotted(path: Path) -> str:
    """``losses.0.name`` for ``("losses", 0, "name")``; ``<recipe>`` for the top level."""
    return ".".join(str(part) for part in path) or "<recipe>"


@dataclass(frozen=True)
class Location:
    """Where a value was written: a file and line, or a command-line override."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Problem:
    """One mistake in a recipe."""

    path: Path
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"{dotted(self.path)}{where}: {self.message}"


class RecipeError(I2IError):
    """A recipe cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        if len(self.problems) == 1 and not self.problems[0].path:
            problem = self.problems[0]
            where = f" ({problem.location})" if problem.location else ""
            return f"recipe {self.source}{where}: {problem.message}"
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"recipe {self.source} has {count} {noun}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append(
            "Fix them and check again with 'i2i recipe validate'; 'i2i components' lists the "
            "component names and 'i2i recipe schema' every allowed key."
        )
        return "\n".join(lines)


def suggestion(word: Any, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` when ``word`` is a string close to one of ``choices``."""
    return did_you_mean(word, choices) if isinstance(word, str) else ""


def show_value(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of an offending value."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
