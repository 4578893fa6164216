"""Command-line overrides ``key.path=value``, typed by the recipe schema.

``train.max_steps=100`` sets an integer, ``model.encoder.ch_mult=[1,2,2]`` a list and
``data.dataset.root=data/001`` a string: the value is read as YAML unless the field it sets
holds text, where it is kept as written (so ``name=001`` stays ``"001"``). ``null`` sets
null. List items are addressed by index (``losses.0.weight=2``). Setting a component's
``name`` to another component starts that component from its defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, Literal, get_args, get_origin

import yaml

from i2i.recipe.errors import Location, Path, Problem, RecipeError, dotted
from i2i.recipe.loader import Document
from i2i.recipe.schema import RecipeBase
from i2i.recipe.walk import slot_members, strip, walk

_NULL = ("null", "~", "None")


def parse_override(text: str) -> tuple[Path, str]:
    """``(("train", "max_steps"), "100")`` for ``train.max_steps=100``."""
    key, separator, raw = text.partition("=")
    parts = key.strip().split(".")
    if not separator or not all(parts):
        raise RecipeError(
            "command line",
            [
                Problem(
                    (),
                    f"override {text!r} is not of the form key.path=value; write e.g. "
                    "train.max_steps=100 or model.encoder.ch_mult=[1,2,2]",
                )
            ],
        )
    return tuple(int(p) if p.isdigit() else p for p in parts), raw.strip()


def apply_overrides(
    document: Document, overrides: Iterable[str], model: type[RecipeBase]
) -> tuple[Document, list[Problem]]:
    """``document`` with every override applied, and the problems of those that cannot be."""
    data = _copy(document.data)
    positions = dict(document.positions)
    problems: list[Problem] = []
    for text in overrides:
        path, raw = parse_override(text)
        location = Location(f"override {text}")
        try:
            value = _typed_value(raw, walk(model, path, data, tagged=False).annotation)
            _set(data, path, value, model)
        except (ValueError, yaml.YAMLError) as exc:
            problems.append(Problem(path, str(exc), location))
            continue
        positions = {p: loc for p, loc in positions.items() if p[: len(path)] != path}
        positions[path] = location
    return Document(data, positions), problems


def _typed_value(raw: str, annotation: Any) -> Any:
    if raw in _NULL:
        return None
    if _holds_text(annotation):
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read the value {raw!r} as YAML: {exc}") from None


def _holds_text(annotation: Any) -> bool:
    annotation = strip(annotation)
    if get_origin(annotation) is Literal:
        return all(isinstance(arg, str) for arg in get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, str | PurePath)


def _set(data: dict[str, Any], path: Path, value: Any, model: type[RecipeBase]) -> None:
    parent: Any = data
    for depth, part in enumerate(path[:-1]):
        parent = _child(parent, part, path[: depth + 1])
    last = path[-1]
    if isinstance(parent, list):
        if not isinstance(last, int) or not 0 <= last < len(parent):
            raise ValueError(f"{dotted(path[:-1])} has {len(parent)} items; no item {last}")
        parent[last] = value
    elif last == "name" and _is_slot(model, path[:-1], data) and parent.get("name") != value:
        parent.clear()
        parent["name"] = value
    else:
        parent[last] = value


def _child(parent: Any, part: str | int, path: Path) -> Any:
    if isinstance(parent, dict):
        if not isinstance(parent.get(part), dict | list):
            parent[part] = {}
        return parent[part]
    if isinstance(parent, list):
        if isinstance(part, int) and 0 <= part < len(parent):
            return parent[part]
        raise ValueError(f"{dotted(path[:-1])} has {len(parent)} items; no item {part}")
    raise ValueError(f"{dotted(path[:-1])} is {parent!r}, not a mapping or list to set {part!r} in")


def _is_slot(model: type[RecipeBase], path: Path, data: dict[str, Any]) -> bool:
    return bool(path) and slot_members(walk(model, path, data, tagged=False).annotation) is not None


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(item) for item in data]
    return data
