"""The recipe model, built from the live registries after plugins load.

Every component slot is a discriminated union over its registry keyed by ``name``: each
registered component contributes a model made of its own ``Params`` plus ``name:
Literal["<component>"]``. A third-party component therefore validates as strictly as a
first-party one and appears, with its parameters, in the JSON Schema that editors use.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from i2i.recipe.errors import suggestion
from i2i.recipe.sections import (
    ComponentSpec,
    DataSection,
    EvaluateSection,
    MixSource,
    ModelSection,
    PredictConfig,
    Section,
    TrainConfig,
    field_error,
)
from i2i.recipe.walk import KIND_ATTRIBUTE
from i2i.registry import Component, Registries, Registry, singular

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_SectionT = TypeVar("_SectionT", bound=Section)


class RecipeBase(Section):
    """A validated recipe. The sections and their component slots are added per environment."""

    version: Literal[1] = Field(1, description="Version of the recipe format.")
    name: str = Field(
        pattern=_NAME_PATTERN,
        description="Name of the recipe; runs are saved in runs/NAME/TIMESTAMP.",
    )
    description: str = Field("", description="What the recipe trains, in one or two sentences.")

    if TYPE_CHECKING:  # the sections, added per environment by recipe_model()
        data: DataSection | None
        model: ModelSection
        losses: list[ComponentSpec]
        train: TrainConfig
        evaluate: EvaluateSection
        predict: PredictConfig

    data_section_model: ClassVar[type[DataSection]]
    """The data section of this environment (validates a data section given on its own)."""

    metric_names: ClassVar[tuple[str, ...]] = ()
    """The metrics registered when this model was built (for ``train.best_metric``)."""

    _source: FilePath | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _best_metric_is_evaluated(self) -> RecipeBase:
        sections = dict(self)  # train and evaluate are added by build_recipe_model
        best = sections["train"].best_metric
        allowed = [m.name for m in sections["evaluate"].metrics] or list(self.metric_names)
        if best is not None and best not in allowed:
            raise field_error(
                "train.best_metric",
                f"{best!r} is not one of the evaluated metrics "
                f"({', '.join(allowed) or 'none installed'}).{suggestion(best, allowed)}",
            )
        return self

    @property
    def source(self) -> FilePath | None:
        """The recipe file this recipe was loaded from (``None`` when built from a dict)."""
        return self._source

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved recipe (every default filled in) as plain data."""
        return _name_first(self.model_dump(mode="json"))

    def resolved_yaml(self) -> str:
        """The fully resolved recipe as YAML: it reproduces a run on its own."""
        return yaml.safe_dump(
            self.to_dict(), sort_keys=False, allow_unicode=True, default_flow_style=None
        )


def _name_first(data: Any) -> Any:
    if isinstance(data, dict):
        ordered = {"name": data["name"]} if "name" in data else {}
        ordered.update({k: _name_first(v) for k, v in data.items() if k != "name"})
        return ordered
    if isinstance(data, list):
        return [_name_first(item) for item in data]
    return data


def component_spec(component: Component) -> type[BaseModel]:
    """The model of one component in a recipe: its ``Params`` plus ``name``."""
    kind = singular(component.kind)
    name: dict[str, Any] = {
        "name": (Literal[component.name], Field(description=f"Which {kind}: {component.name}."))
    }
    spec: type[BaseModel] = create_model(
        f"{kind.title()}_{component.name.replace('.', '_')}",
        __base__=(component.params, ComponentSpec),
        __doc__=f"{component.description} (a {kind} from {component.provider})",
        **name,
    )
    setattr(spec, KIND_ATTRIBUTE, component.kind)
    return spec


def slot(registry: Registry) -> Any:
    """The type of a recipe field holding one component of ``registry``."""
    specs = tuple(component_spec(c) for c in registry)
    if not specs:
        return _empty_slot(registry.kind)
    return Annotated[Union[specs], Discriminator("name")]  # noqa: UP007


def _empty_slot(kind: str) -> Any:
    def reject(value: Any) -> Any:
        raise PydanticCustomError(
            "no_components",
            "no {kind} are installed, so this cannot be used; install a plugin that provides "
            "{kind} ('i2i plugins' lists the installed ones)",
            {"kind": kind},
        )

    return Annotated[
        dict[str, Any],
        BeforeValidator(reject),
        WithJsonSchema({"type": "object", "description": f"No {kind} are installed."}),
    ]


def _section(name: str, base: type[_SectionT], doc: str, fields: dict[str, Any]) -> type[_SectionT]:
    return create_model(name, __base__=base, __doc__=doc, **fields)


def _narrowed(base: type[_SectionT], name: str, slots: dict[str, object]) -> type[_SectionT]:
    """``base`` with its component ``slots`` narrowed to the installed components; every slot
    keeps the default, description and validators ``base`` declares for it."""
    fields: dict[str, Any] = {
        key: (annotation, base.model_fields[key]) for key, annotation in slots.items()
    }
    return create_model(name, __base__=base, __doc__=base.__doc__, **fields)


def _model_section(registries: Registries) -> type[ModelSection]:
    slots: dict[str, object] = {
        "encoder": slot(registries.encoders) | None,
        "quantizer": slot(registries.quantizers) | None,
        "generator": slot(registries.generators),
        "discriminator": slot(registries.discriminators) | None,
    }
    return _narrowed(ModelSection, "ModelSection", slots)


def _data_section(registries: Registries) -> type[DataSection]:
    transforms: Any = list[slot(registries.transforms)]  # type: ignore[misc]
    slots: dict[str, object] = {
        "dataset": slot(registries.datasets),
        "reader": slot(registries.readers) | None,
        "transforms": transforms,
        "val_transforms": transforms | None,
        "mix": list[_mix_source_section(registries)],  # type: ignore[misc]
    }
    return _narrowed(DataSection, "DataSection", slots)


def _mix_source_section(registries: Registries) -> type[MixSource]:
    slots: dict[str, object] = {
        "dataset": slot(registries.datasets),
        "transforms": list[slot(registries.transforms)] | None,  # type: ignore[misc]
    }
    return _narrowed(MixSource, "MixSource", slots)


def _evaluate_section(registries: Registries) -> type[EvaluateSection]:
    slots: dict[str, object] = {"metrics": list[slot(registries.metrics)]}  # type: ignore[misc]
    return _narrowed(EvaluateSection, "EvaluateSection", slots)


def _predict_section(registries: Registries) -> type[PredictConfig]:
    fields: dict[str, Any] = {
        "writer": (
            slot(registries.writers) | None,
            Field(None, description="Writer component; null picks one by the output suffix."),
        ),
    }
    return _section("PredictSection", PredictConfig, PredictConfig.__doc__ or "", fields)


def build_recipe_model(registries: Registries) -> type[RecipeBase]:
    """The recipe model of an environment: every slot allows exactly its registered components."""
    data = _data_section(registries)
    fields: dict[str, Any] = {
        "data": (
            data | None,
            Field(None, description="Training data; null for a recipe that only predicts."),
        ),
        "model": (_model_section(registries), Field(description="The networks.")),
        "losses": (
            list[slot(registries.losses)],  # type: ignore[misc]
            Field(default_factory=list, description="Loss components, summed with their weights."),
        ),
        "train": (TrainConfig, Field(default_factory=dict, description="Training.")),
        "evaluate": (
            _evaluate_section(registries),
            Field(default_factory=dict, description="Evaluation."),
        ),
        "predict": (
            _predict_section(registries),
            Field(default_factory=dict, description="Tiled prediction."),
        ),
    }
    doc = "An i2i recipe: data, model, losses, training, evaluation and prediction."
    model: type[RecipeBase] = _section("Recipe", RecipeBase, doc, fields)
    model.metric_names = tuple(registries.metrics.names())
    model.data_section_model = data
    return model


_cache: dict[tuple[object, ...], type[RecipeBase]] = {}


def recipe_model(registries: Registries) -> type[RecipeBase]:
    """:func:`build_recipe_model`, cached for each set of registered components."""
    key = tuple((c.kind, c.name, c.params) for c in registries.components())
    if key not in _cache:
        if len(_cache) >= 8:
            _cache.pop(next(iter(_cache)))
        _cache[key] = build_recipe_model(registries)
    return _cache[key]


def recipe_json_schema(registries: Registries) -> dict[str, Any]:
    """The JSON Schema of recipes in this environment (for editors and ``i2i recipe schema``).

    A recipe that ``extends`` a base holds only what it changes, at any depth: it is checked
    against a *partial* copy of the schema (no property required, a component matched by the
    ``name`` it gives), so unknown keys, wrong types and unknown components are still flagged.
    A recipe without ``extends`` must also pass the full schema.
    """
    full = recipe_model(registries).model_json_schema()
    definitions = full.pop("$defs", {})
    partial_definitions = {_partial_name(k): _partial(v) for k, v in definitions.items()}
    top = _partial(full)
    top["properties"]["extends"] = {
        "type": "string",
        "description": "A recipe this one starts from: a path relative to this file or a "
        "bundled recipe name. Its values are deep-merged under this recipe's.",
    }
    top["if"] = {"not": {"required": ["extends"]}}
    top["then"] = {"$ref": f"#/$defs/{_FULL_RECIPE}"}
    top["$defs"] = {**definitions, **partial_definitions, _FULL_RECIPE: full}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **top}


_FULL_RECIPE = "FullRecipe"
_PARTIAL_SUFFIX = "_partial"


def _partial_name(definition: str) -> str:
    return f"{definition}{_PARTIAL_SUFFIX}"


def _partial(node: Any) -> Any:
    """A copy of the schema ``node`` that a recipe holding only some fields passes.

    Requirements go; ``oneOf`` becomes ``anyOf`` (a component without ``name`` may fit several)
    and references (``$ref``, discriminator mappings) point at the partial definitions.
    """
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if isinstance(node, str) and node.startswith("#/$defs/"):
        return _partial_name(node)
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key == "properties":
            result[key] = {name: _partial(schema) for name, schema in value.items()}
        else:
            result["anyOf" if key == "oneOf" else key] = _partial(value)
    return result
