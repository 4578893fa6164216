"""User-facing errors.

Every problem a user can fix is raised as an :class:`I2IError` whose message is one
clear paragraph: what value, what is wrong, what is valid, how to fix it. The CLI prints
the message without a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class I2IError(Exception):
    """Base class of errors whose message is meant for the user."""


class RegistryError(I2IError):
    """A component name is unknown, or registered twice."""


class PluginError(I2IError):
    """A plugin failed to load (raised only in strict mode)."""


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The entries of ``choices`` that look most like ``word`` (for "did you mean" hints).

    Close means similar by :func:`difflib.get_close_matches` or one edit away (a letter
    changed, added, removed or two swapped), which also catches short names (``l2`` → ``l1``).
    """
    choices = list(choices)
    near = [c for c in choices if _one_edit_apart(word.lower(), c.lower())]
    return list(dict.fromkeys(near + difflib.get_close_matches(word, choices, n=n, cutoff=0.6)))[:n]


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1 and a[differ[0]] == b[differ[1]]
        return len(differ) == 1 or (swapped and a[differ[1]] == b[differ[0]])
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` or an empty string when nothing is close."""
    matches = close_matches(word, choices)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def validation_problems(exc: ValidationError, whole: str, show_input: bool = False) -> str:
    """The problems of a pydantic ``ValidationError`` as ``"a.b: message; c: message"``.

    ``whole`` names a problem of the whole value (an empty location); with ``show_input`` each
    problem also shows the value that was given.
    """
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or whole}"
        + (f" {e['input']!r}" if show_input else "")
        + f": {e['msg']}"
        for e in exc.errors()
    )
