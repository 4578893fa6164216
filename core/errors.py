"""User-facing errors.

Every problem a user can fix is raised as an :class:`I2IError` whose message is one
clear paragraph: what value, what is wrong, what is valid, how to fix it. The CLI prints
the message without a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class I2IError(Exception):
    """Base class of errors whose message is meant for the user."""


class RegistryError(I2IError):
    """A component name is unknown, or registered twice."""


class PluginError(I2IError):
    """A plugin failed to load (raised only in strict mode)."""


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The entries of ``choices`` that look most like ``word`` (for "did you mean" hints)."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` or an empty string when nothing is close."""
    matches = close_matches(word, choices)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
