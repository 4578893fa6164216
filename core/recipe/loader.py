"""Reading recipe files: YAML with line numbers, ``extends`` and deep merge.

Files are parsed by :mod:`i2i.safe_yaml` (UTF-8, bounded alias expansion, unique keys).

A recipe may start from another one with ``extends: NAME_OR_PATH`` (a path relative to the
recipe's folder, or a bundled recipe name). The base is read first (it may extend a third
recipe) and the recipe is merged into it: mappings merge key by key, everything else (lists,
scalars, null) replaces the base value. A component mapping whose ``name`` differs from the
base's replaces it whole, because the parameters of one component mean nothing to another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from i2i.recipe.bundled import SUFFIXES, bundled_recipes, strip_suffix
from i2i.recipe.errors import Location, Path, Problem, RecipeError, suggestion
from i2i.safe_yaml import YAMLContentError, decode_utf8, load_checked


@dataclass
class Document:
    """Recipe data with the file and line each value was written at."""

    data: dict[str, Any]
    positions: dict[Path, Location] = field(default_factory=dict)

    def location(self, path: Path) -> Location | None:
        """Where the value at ``path`` (or its nearest written parent) comes from."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None


def display_name(path: FilePath) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(FilePath.cwd()))
    except ValueError:
        return str(path)


def find_recipe(reference: str | FilePath) -> FilePath:
    """The file of a recipe given as a path or as the name of a bundled recipe."""
    path = FilePath(reference)
    if path.is_file():
        return path
    bundled = bundled_recipes()
    name = strip_suffix(str(reference))
    if name in bundled:
        return bundled[name].path
    names = ", ".join(sorted(bundled)) or "none"
    raise RecipeError(
        str(reference),
        [
            Problem(
                (),
                f"there is no file {str(reference)!r} and no bundled recipe called {name!r}."
                f"{suggestion(name, bundled)} Bundled recipes: {names} ('i2i recipe list').",
            )
        ],
    )


def read_document(path: FilePath) -> Document:
    """One YAML file as a :class:`Document` (``extends`` not yet applied).

    The file is read with the limits of :mod:`i2i.safe_yaml`: UTF-8 only, no alias bombs, no
    key written twice in one mapping.
    """
    name = display_name(path)
    try:
        parsed = load_checked(decode_utf8(path.read_bytes()))
    except OSError as exc:
        raise RecipeError(name, [Problem((), f"cannot read the file: {exc.strerror}")]) from None
    except YAMLContentError as exc:
        location = Location(name, exc.line) if exc.line is not None else None
        raise RecipeError(name, [Problem(exc.path, str(exc), location)]) from None
    data = parsed.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise RecipeError(
            name,
            [Problem((), f"the file is {kind}; a recipe is a mapping with name, data, model...")],
        )
    positions: dict[Path, Location] = {}
    _collect_positions(parsed.root, (), name, positions)
    return Document(data, positions)


def _collect_positions(
    node: yaml.Node | None, path: Path, file: str, out: dict[Path, Location]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                child = (*path, key_node.value)
                out[child] = Location(file, key_node.start_mark.line + 1)
                _collect_positions(value_node, child, file, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            out[child] = Location(file, item.start_mark.line + 1)
            _collect_positions(item, child, file, out)


def read_with_bases(path: FilePath, chain: tuple[FilePath, ...] = ()) -> Document:
    """The recipe at ``path`` merged over the recipes it ``extends``, recursively."""
    document = read_document(path)
    reference = document.data.pop("extends", None)
    if reference is None:
        return document
    location = document.positions.pop(("extends",), None)
    chain = (*chain, path.resolve())
    base_path = _locate_base(reference, path, location)
    if base_path.resolve() in chain:
        cycle = " -> ".join(display_name(p) for p in (*chain, base_path))
        raise RecipeError(
            display_name(path),
            [Problem(("extends",), f"recipes extend each other in a cycle: {cycle}", location)],
        )
    return merge_documents(read_with_bases(base_path, chain), document)


def _locate_base(reference: Any, path: FilePath, location: Location | None) -> FilePath:
    if not isinstance(reference, str) or not reference:
        raise RecipeError(
            display_name(path),
            [
                Problem(
                    ("extends",),
                    f"{reference!r} is not a recipe name or path; write e.g. 'extends: "
                    "base.yaml' (next to this file) or 'extends: lmc_mito' (bundled)",
                    location,
                )
            ],
        )
    relative = path.parent / reference
    candidates = (
        [relative] if relative.suffix in SUFFIXES else [relative, *_with_suffixes(relative)]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    bundled = bundled_recipes()
    name = strip_suffix(reference)
    if name in bundled:
        return bundled[name].path
    raise RecipeError(
        display_name(path),
        [
            Problem(
                ("extends",),
                f"{reference!r} is neither a file next to this recipe ({display_name(relative)}) "
                f"nor a bundled recipe.{suggestion(name, bundled)} Bundled recipes: "
                f"{', '.join(sorted(bundled)) or 'none'}.",
                location,
            )
        ],
    )


def _with_suffixes(path: FilePath) -> list[FilePath]:
    return [path.with_name(path.name + suffix) for suffix in SUFFIXES]


def merge_documents(base: Document, override: Document) -> Document:
    """``override`` deep-merged over ``base``, with the position of every surviving value."""
    data = deep_merge(base.data, override.data)
    positions = {**base.positions, **override.positions}
    return Document(data, {p: loc for p, loc in positions.items() if _exists(data, p)})


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``override`` replaces the base value."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not _renames(old, value):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _renames(base: dict[str, Any], override: dict[str, Any]) -> bool:
    """Whether ``override`` swaps the component of ``base`` for another one."""
    return "name" in override and "name" in base and override["name"] != base["name"]


_MISSING = object()


def _exists(data: Any, path: Path) -> bool:
    for part in path:
        data = _item(data, part)
        if data is _MISSING:
            return False
    return True


def _item(data: Any, part: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(part, _MISSING)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return _MISSING
