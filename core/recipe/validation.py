"""Turning pydantic validation errors into recipe problems a biologist can act on.

Each problem names the recipe path (``model.encoder.ch_mult``, not pydantic's location with
the component name inserted), the offending value, what is allowed, close matches for
unknown component names and keys, and the file and line the value was written at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from i2i.recipe.errors import Problem, RecipeError, show_value, suggestion
from i2i.recipe.loader import Document
from i2i.recipe.schema import RecipeBase
from i2i.recipe.sections import DataSection
from i2i.recipe.walk import KIND_ATTRIBUTE, Walk, slot_members, strip, walk
from i2i.registry import singular


def validate_document(
    document: Document,
    model: type[RecipeBase],
    source: str,
    problems: Sequence[Problem] = (),
) -> RecipeBase:
    """The validated recipe, or a :class:`RecipeError` with ``problems`` and every new one."""
    try:
        recipe = model.model_validate(document.data)
    except ValidationError as exc:
        found = [*problems, *(_problem(e, model, document) for e in exc.errors())]
        raise RecipeError(source, found) from None
    if problems:
        raise RecipeError(source, problems)
    return recipe


def validate_data_section(
    data: Mapping[str, object], model: type[RecipeBase], source: str
) -> DataSection:
    """A recipe's ``data`` section given on its own, validated into ``model``'s data section
    (every default filled in as in a recipe), or a :class:`RecipeError` naming ``data.…``."""
    try:
        return model.data_section_model.model_validate(data)
    except ValidationError as exc:
        document = Document({"data": dict(data)})
        found = [
            _problem(ErrorDetails(**{**e, "loc": ("data", *e["loc"])}), model, document)
            for e in exc.errors()
        ]
        raise RecipeError(source, found) from None


def _problem(error: ErrorDetails, model: type[RecipeBase], document: Document) -> Problem:
    where = walk(model, error["loc"], document.data, tagged=True)
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        path = (*where.path, "name")
        return Problem(path, _unknown_component(error, where), document.location(path))
    if kind == "extra_forbidden":
        message = _unknown_key(str(where.path[-1]), where)
    elif kind == "missing":
        key = where.path[-1]
        what = f"item {key}" if isinstance(key, int) else f"key {key!r}"
        message = f"required {what} is missing{_described(where)}"
    elif kind in _NOT_A_MAPPING:
        message = _not_a_mapping(error["input"], where)
    elif kind == "recipe_field":
        path = (*where.path, *str(error.get("ctx", {})["field"]).split("."))
        return Problem(path, error["msg"], document.location(path))
    elif kind == "literal_error":
        allowed = _literal_values(where.annotation)
        message = (
            f"{show_value(error['input'])} is not allowed; use one of "
            f"{', '.join(repr(v) for v in allowed)}.{suggestion(error['input'], map(str, allowed))}"
        )
    else:
        message = _invalid_value(error)
    return Problem(where.path, message, document.location(where.path))


def _unknown_component(error: ErrorDetails, where: Walk) -> str:
    members = slot_members(where.annotation) or {}
    registry = getattr(next(iter(members.values()), None), KIND_ATTRIBUTE, "components")
    names = sorted(members)
    allowed = f"Installed {registry}: {', '.join(names)} ('i2i components {registry}')."
    if error["type"] == "union_tag_not_found":
        return f"'name' is missing: say which {singular(registry)} to use. {allowed}"
    tag = error.get("ctx", {}).get("tag")
    return f"unknown {singular(registry)} {tag!r}.{suggestion(tag, names)} {allowed}"


_NOT_A_MAPPING = ("model_type", "model_attributes_type", "dict_type")


def _not_a_mapping(value: Any, where: Walk) -> str:
    members = slot_members(where.annotation)
    if members:
        kind = singular(getattr(next(iter(members.values())), KIND_ATTRIBUTE))
        example = value if isinstance(value, str) and value in members else sorted(members)[0]
        return (
            f"{show_value(value)} is not a {kind}: write a mapping with the {kind}'s name and "
            f"parameters, e.g. {{name: {example}}}"
        )
    return f"{show_value(value)} is not a mapping: write 'key: value' entries (or {{}} for none)"


def _unknown_key(key: str, where: Walk) -> str:
    allowed = sorted(where.parent.model_fields) if where.parent is not None else []
    return (
        f"unknown key {key!r}.{suggestion(key, allowed)} Allowed keys here: "
        f"{', '.join(allowed) or 'none'}."
    )


def _described(where: Walk) -> str:
    if where.parent is None:
        return ""
    field = where.parent.model_fields.get(str(where.path[-1]))
    return f" ({field.description})" if field is not None and field.description else ""


def _literal_values(annotation: Any) -> list[Any]:
    annotation = strip(annotation)
    return list(get_args(annotation)) if get_origin(annotation) is Literal else []


def _invalid_value(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if isinstance(error["input"], dict | list):
        return message
    return f"{show_value(error['input'])} is invalid: {message}"
