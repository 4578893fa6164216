"""File names defined once: a template that both writes a name and parses one.

A layout parses the names a dataset's files have; the demo writers write such files. Both use
the same :class:`FileNaming`, so the names the demo writes are by construction the names the
layout reads.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class FileNaming:
    """A file-name template (``str.format`` syntax) with a regular expression per field.

    ``format(**values)`` writes a name ending in the first of ``suffixes``; ``match(name)``
    gives the field values (strings) of a name ending in any of them, or ``None``. Fields in
    ``defaults`` may be left out when formatting.
    """

    template: str
    fields: Mapping[str, str]
    suffixes: tuple[str, ...]
    defaults: Mapping[str, object] = field(default_factory=dict)

    def format(self, **values: object) -> str:
        return self.template.format(**{**self.defaults, **values}) + self.suffixes[0]

    def match(self, name: str) -> dict[str, str] | None:
        found = self._pattern.fullmatch(name)
        return None if found is None else found.groupdict()

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = []
        for literal, name, _, _ in string.Formatter().parse(self.template):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P<{name}>{self.fields[name]})")
        suffixes = "|".join(re.escape(suffix) for suffix in self.suffixes)
        return re.compile("".join(parts) + f"(?:{suffixes})")
