"""The recipe reference of ``docs/recipes.md``, generated from the recipe model.

``tests/docs/test_recipes_docs.py`` fails when the page differs from :func:`reference_markdown`;
regenerate it with ``python -m i2i.recipe.reference`` and paste the output between the
page's ``reference`` markers.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from i2i.recipe.schema import build_recipe_model
from i2i.recipe.walk import strip, walk
from i2i.registry import Registries

SECTIONS = (
    "",
    "data",
    "data.split",
    "data.split.holdout",
    "data.mix[]",
    "model",
    "train",
    "train.scheduler",
    "train.ema",
    "train.early_stopping",
    "evaluate",
    "predict",
)
"""The recipe's mappings, top level first, in the order the page documents them (``[]``: an
item of a list)."""


def section_model(root: type[BaseModel], section: str) -> type[BaseModel]:
    """The model of the mapping at dotted ``section`` ("" for the top level)."""
    if not section:
        return root
    path = tuple(section.replace("[]", ".0").split("."))
    model = strip(walk(root, path, {}, tagged=False).annotation)
    assert isinstance(model, type) and issubclass(model, BaseModel), section
    return model


def reference_markdown() -> str:
    """One table per section: key, default, description."""
    root = build_recipe_model(Registries())
    blocks = [_table(section, section_model(root, section)) for section in SECTIONS]
    return "\n".join(blocks)


def _table(section: str, model: type[BaseModel]) -> str:
    lines = [f"### `{section or 'top level'}`", "", "| key | default | description |"]
    lines.append("| --- | --- | --- |")
    for key, field in model.model_fields.items():
        lines.append(f"| `{key}` | {_default(field, section, key)} | {field.description} |")
    return "\n".join(lines) + "\n"


def _default(field: object, section: str, key: str) -> str:
    from pydantic.fields import FieldInfo

    assert isinstance(field, FieldInfo)
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel) or value == {}:
        return f"see `{'.'.join(filter(None, (section, key)))}`"
    return f"`{json.dumps(value)}`"


if __name__ == "__main__":
    print(reference_markdown())
