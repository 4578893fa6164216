"""YAML from files a user did not write (recipes, model cards, zoo manifests), with limits.

``yaml.safe_load`` never runs code, but it shares a node every time an alias (``*name``) is
used, so a few hundred bytes can describe billions of values (the "billion laughs" alias bomb):
whatever walks the loaded data afterwards (position tracking, validation) expands them all.
:func:`compose_checked` parses once, without expanding anything, and refuses a document whose
expanded size (every value counted each time an alias repeats it) is above
``MAX_EXPANDED_NODES``, or that holds a recursive alias; it also refuses a mapping that repeats
a key (YAML 1.2 forbids it; PyYAML would silently keep the last value). The expanded size is
counted in one pass over the distinct nodes, each node's size memoised (a tree-size recursion),
so checking costs time linear in the file, not in its expansion.

:func:`decode_utf8` turns bytes into text, naming the byte offset of invalid UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from i2i.errors import I2IError

MAX_EXPANDED_NODES = 100_000
"""The most values a YAML document may expand to (the largest bundled recipe has about 300)."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
NodePath = tuple[str | int, ...]


class YAMLContentError(I2IError):
    """A YAML text is not acceptable; ``line`` (1-based) and ``path`` say where, when known."""

    def __init__(self, message: str, line: int | None = None, path: NodePath = ()):
        self.line = line
        self.path = path
        super().__init__(message)


@dataclass(frozen=True)
class CheckedYAML:
    """A parsed YAML document: its data and its node tree (which keeps line numbers)."""

    data: Any
    root: yaml.Node | None


def decode_utf8(raw: bytes) -> str:
    """``raw`` as UTF-8 text; invalid bytes are an error naming their offset and line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YAMLContentError(
            f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
            f"(line {line}) cannot be decoded ({exc.reason}). Save the file as UTF-8.",
            line,
        ) from None


def load_checked(text: str) -> CheckedYAML:
    """Parse one YAML document within the limits of this module; its data and node tree.

    Raises :class:`YAMLContentError` for an alias bomb, a recursive alias, a repeated key, a
    document nested too deeply to parse, or a YAML syntax error.
    """
    root = compose_checked(text)
    if root is None:
        return CheckedYAML(None, None)
    loader = yaml.SafeLoader("")
    try:
        return CheckedYAML(loader.construct_document(root), root)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    finally:
        loader.dispose()


def compose_checked(text: str) -> yaml.Node | None:
    """The node tree of one YAML document, checked for size and repeated keys."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        raise YAMLContentError(f"not valid YAML text: {exc}") from None
    except RecursionError:
        raise YAMLContentError(
            "the YAML document is nested too deeply to be read; a recipe or card is a few "
            "levels deep"
        ) from None
    if root is not None:
        _check_expansion(root)
        _check_repeated_keys(root)
    return root


def _syntax_error(exc: yaml.MarkedYAMLError) -> YAMLContentError:
    mark = exc.problem_mark
    line = mark.line + 1 if mark is not None else None
    message = f"YAML syntax error: {exc.problem}" + (f" ({exc.context})" if exc.context else "")
    return YAMLContentError(message, line)


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    try:
        total = _expanded_size(root, sizes, set())  # stops counting past the limit
    except RecursionError:
        raise YAMLContentError(
            "the YAML document is nested too deeply to be checked; a recipe or card is a few "
            "levels deep"
        ) from None
    if total > MAX_EXPANDED_NODES:
        raise YAMLContentError(
            f"the YAML document expands to more than {MAX_EXPANDED_NODES:,} values through its "
            "aliases (*name): refused as an alias bomb. Write the values out, or use fewer "
            "nested aliases."
        )


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """Values under ``node`` counting every alias repetition; memoised by node identity."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise YAMLContentError(
            "the YAML document has a recursive alias (a value that contains itself); recipes "
            "and cards cannot hold cycles",
            node.start_mark.line + 1,
        )
    open_nodes.add(key)
    size = 1
    for child in _children(node):
        size += _expanded_size(child, sizes, open_nodes)
        if size > MAX_EXPANDED_NODES:
            break  # already too big: stop counting, the caller refuses it
    open_nodes.discard(key)
    sizes[key] = size
    return size


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield key_node
            yield value_node


def _check_repeated_keys(root: yaml.Node) -> None:
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, NodePath]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _check_mapping_keys(node, path)
            for key_node, value_node in node.value:
                label = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                pending.append((value_node, (*path, str(label))))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, (*path, index)) for index, item in enumerate(node.value))


def _check_mapping_keys(node: yaml.MappingNode, path: NodePath) -> None:
    first_lines: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        line = key_node.start_mark.line + 1
        key = (key_node.tag, key_node.value)
        if key in first_lines:
            raise YAMLContentError(
                f"the key {key_node.value!r} is written twice in the same mapping (lines "
                f"{first_lines[key]} and {line}); YAML keys must be unique and i2i does not "
                "guess which one you meant. Keep one of them.",
                line,
                (*path, key_node.value),
            )
        first_lines[key] = line
