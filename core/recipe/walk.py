"""Following a path through the recipe model's types.

Used to turn pydantic error locations into recipe paths (pydantic inserts the component
name after every component slot: ``losses.0.l1.weight`` is written ``losses.0.weight`` in a
recipe), to list the keys allowed where an unknown key was written, and to find the type
of the field a command-line override sets.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from i2i.recipe.errors import Path

KIND_ATTRIBUTE = "i2i_kind"
"""Class attribute of component spec models: the registry kind (``"losses"``)."""


@dataclass(frozen=True)
class Walk:
    """Where a path led: the recipe path, the type there, and the model holding its last key."""

    path: Path
    annotation: Any
    parent: type[BaseModel] | None
    slot: dict[str, type[BaseModel]] | None = None
    """The components allowed at ``path`` when it is a component slot."""


def strip(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata and without ``None`` in a union."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def slot_members(annotation: Any) -> dict[str, type[BaseModel]] | None:
    """The component specs of a component slot by name, or ``None`` if it is no slot."""
    annotation = strip(annotation)
    candidates = (
        get_args(annotation)
        if get_origin(annotation) in (Union, types.UnionType)
        else (annotation,)
    )
    members = [strip(c) for c in candidates]
    if not members or not all(hasattr(m, KIND_ATTRIBUTE) for m in members):
        return None
    return {component_name(m): m for m in members}


def component_name(spec: type[BaseModel]) -> str:
    """The ``name`` literal of a component spec model."""
    literal = spec.model_fields["name"].annotation
    assert get_origin(literal) is Literal
    return str(get_args(literal)[0])


def walk(root: type[BaseModel], loc: Sequence[str | int], data: Any, *, tagged: bool) -> Walk:
    """Follow ``loc`` from ``root``.

    :param tagged: ``loc`` is a pydantic error location (the component name follows each
        slot); otherwise it is a recipe path and ``data`` says which component a slot holds.
    """
    annotation: Any = root
    path: list[str | int] = []
    parent: type[BaseModel] | None = None
    parts = list(loc)
    while parts:
        members = slot_members(annotation)
        if members is not None:
            name = parts.pop(0) if tagged else _get(data, "name")
            if name not in members or not parts:
                return Walk(tuple(path) + tuple(parts), None, parent)
            annotation = members[str(name)]
        part = parts.pop(0)
        annotation, data, parent = _step(strip(annotation), part, data, parent)
        path.append(part)
        if annotation is None:
            return Walk(tuple(path) + tuple(parts), None, parent)
    return Walk(tuple(path), annotation, parent, slot_members(annotation))


def _step(
    annotation: Any, part: str | int, data: Any, parent: type[BaseModel] | None
) -> tuple[Any, Any, type[BaseModel] | None]:
    """The type and data one key or index below ``annotation``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return (field.annotation if field else None), _get(data, part), annotation
    origin = get_origin(annotation)
    if origin in (list, tuple, Sequence):
        args = get_args(annotation)
        index = int(part) if isinstance(part, int) or str(part).isdigit() else -1
        item = args[index] if origin is tuple and 0 <= index < len(args) else args[0]
        return item, _get(data, index), parent
    if origin is dict:
        return get_args(annotation)[1], _get(data, part), parent
    return None, None, parent


def _get(data: Any, part: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None
