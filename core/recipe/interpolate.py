"""Environment variables in recipe values: ``${env:NAME}`` and ``${env:NAME,default}``.

``root: "${env:I2I_DATA,data/lmc}"`` reads ``$I2I_DATA`` and falls back to ``data/lmc``.
A variable that is unset and has no default is a problem reported with the others. The
result is a string; the recipe schema converts it where a number or boolean is expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from i2i.recipe.errors import Path, Problem

_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:,([^}]*))?\}")


def interpolate(
    data: Any, environ: Mapping[str, str] | None = None, path: Path = ()
) -> tuple[Any, list[Problem]]:
    """``data`` with every ``${env:...}`` replaced, and the problems of unset variables."""
    environ = os.environ if environ is None else environ
    if isinstance(data, dict):
        pairs = [(key, interpolate(value, environ, (*path, key))) for key, value in data.items()]
        return {k: v for k, (v, _) in pairs}, [p for _, (_, ps) in pairs for p in ps]
    if isinstance(data, list):
        items = [interpolate(value, environ, (*path, i)) for i, value in enumerate(data)]
        return [v for v, _ in items], [p for _, ps in items for p in ps]
    if isinstance(data, str):
        return _substitute(data, environ, path)
    return data, []


def _substitute(text: str, environ: Mapping[str, str], path: Path) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        problems.append(
            Problem(
                path,
                f"environment variable {name} is not set; set it (export {name}=...) or give a "
                f"default: '${{env:{name},default}}'",
            )
        )
        return match.group(0)

    return _REFERENCE.sub(replace, text), problems
