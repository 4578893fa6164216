"""Registries of named components, one per kind.

A component is a name (snake_case; third-party names may carry a dotted package prefix such
as ``acme.stylegan2``), a one-line description, a pydantic ``Params`` model that validates its
parameters, and a factory that builds it. Plugins add components from their
``i2i_register(registries)`` hook; recipes refer to them by name only.

Factories may be given as ``"package.module:attribute"`` strings so that registering a
component imports nothing heavy (torch, timm, bioio): the module is imported when the
component is first built.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from i2i.errors import RegistryError, did_you_mean

KINDS: tuple[str, ...] = (
    "encoders",
    "quantizers",
    "generators",
    "discriminators",
    "losses",
    "readers",
    "writers",
    "datasets",
    "transforms",
    "metrics",
)

_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def singular(kind: str) -> str:
    """``loss`` for ``losses``, ``encoder`` for ``encoders``."""
    return kind[:-2] if kind.endswith("sses") else kind[:-1]


class Params(BaseModel):
    """Base class of component parameters: unknown keys are errors, values are validated."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


@dataclass(frozen=True)
class Component:
    """A registered component: what a recipe names and how to build it."""

    name: str
    kind: str
    description: str
    params: type[BaseModel]
    factory: Callable[..., Any] | str
    provider: str
    example: Mapping[str, Any] = field(default_factory=dict)
    """Parameters of a small instance, used by contract tests and docs."""

    def resolve_factory(self) -> Callable[..., Any]:
        """The factory callable, importing its module if it was registered by string."""
        if callable(self.factory):
            return self.factory
        module_name, _, attribute = self.factory.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attribute)

    def build(self, params: BaseModel | Mapping[str, Any] | None = None, **context: Any) -> Any:
        """Validate ``params`` against this component's model and call its factory."""
        validated = self.validate_params(params or {})
        return self.resolve_factory()(validated, **context)

    def validate_params(self, params: BaseModel | Mapping[str, Any]) -> BaseModel:
        """``params`` as an instance of this component's ``Params`` model."""
        if isinstance(params, self.params):
            return params
        if isinstance(params, BaseModel):
            params = params.model_dump(exclude={"name"})
        return self.params.model_validate(dict(params))


class Registry:
    """The components of one kind, by name."""

    def __init__(self, kind: str, installed_plugins: Callable[[], list[str]] | None = None):
        self.kind = kind
        self._components: dict[str, Component] = {}
        self._installed_plugins = installed_plugins or (lambda: [])
        self._provider = "<unknown>"

    def add(
        self,
        name: str,
        *,
        params: type[BaseModel],
        factory: Callable[..., Any] | str,
        description: str,
        example: Mapping[str, Any] | None = None,
    ) -> Component:
        """Register a component; a name that is already taken is an error naming both providers."""
        self._check_new(name, params, description)
        component = Component(
            name=name,
            kind=self.kind,
            description=description.strip(),
            params=params,
            factory=factory,
            provider=self._provider,
            example=dict(example or {}),
        )
        self._components[name] = component
        return component

    def _check_new(self, name: str, params: type[BaseModel], description: str) -> None:
        if not _NAME_PATTERN.match(name):
            raise RegistryError(
                f"{self._provider} registers {singular(self.kind)} {name!r}: names are lowercase "
                "snake_case, optionally prefixed by a package ('acme.stylegan2')."
            )
        if name in self._components:
            other = self._components[name].provider
            raise RegistryError(
                f"{singular(self.kind)} {name!r} is registered twice: by {other!r} and by "
                f"{self._provider!r}. Uninstall one of them, or have the third-party plugin "
                "prefix its names with its package ('acme.name')."
            )
        if params.model_config.get("extra") != "forbid":
            raise RegistryError(
                f"{self._provider} registers {singular(self.kind)} {name!r} with a Params model "
                "that accepts unknown keys; derive it from i2i.Params (extra='forbid')."
            )
        if not description.strip() or "\n" in description.strip():
            raise RegistryError(
                f"{self._provider} registers {singular(self.kind)} {name!r} without a one-line "
                "description."
            )

    def get(self, name: str) -> Component:
        """The component called ``name``; an unknown name lists close matches and plugins."""
        try:
            return self._components[name]
        except KeyError:
            raise RegistryError(self.unknown_name_message(name)) from None

    def unknown_name_message(self, name: str) -> str:
        known = ", ".join(sorted(self._components)) or "none"
        plugins = ", ".join(self._installed_plugins()) or "none"
        return (
            f"Unknown {singular(self.kind)} {name!r}.{did_you_mean(name, self._components)} "
            f"Known {self.kind}: {known}. Installed plugins: {plugins}. "
            "Run 'i2i components' to list every component."
        )

    def create(self, spec: BaseModel | Mapping[str, Any], **context: Any) -> Any:
        """Build a component from a spec: a mapping or model with ``name`` and its parameters."""
        data = spec.model_dump() if isinstance(spec, BaseModel) else dict(spec)
        if "name" not in data:
            raise RegistryError(
                f"A {singular(self.kind)} spec needs a 'name' (one of: {', '.join(self.names())})."
            )
        name = data.pop("name")
        return self.get(name).build(data, **context)

    def names(self) -> list[str]:
        return sorted(self._components)

    def remove_provider(self, provider: str) -> None:
        """Forget every component of ``provider`` (used when its registration fails midway)."""
        for name in [n for n, c in self._components.items() if c.provider == provider]:
            del self._components[name]

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def __iter__(self) -> Iterator[Component]:
        return iter(self._components[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


class Registries:
    """One :class:`Registry` per kind, passed to each plugin's ``i2i_register`` hook."""

    encoders: Registry
    quantizers: Registry
    generators: Registry
    discriminators: Registry
    losses: Registry
    readers: Registry
    writers: Registry
    datasets: Registry
    transforms: Registry
    metrics: Registry

    def __init__(self, installed_plugins: Callable[[], list[str]] | None = None):
        for kind in KINDS:
            setattr(self, kind, Registry(kind, installed_plugins))

    def kind(self, kind: str) -> Registry:
        """The registry of ``kind`` (plural, e.g. ``"losses"``)."""
        if kind not in KINDS:
            raise RegistryError(
                f"Unknown component kind {kind!r}.{did_you_mean(kind, KINDS)} "
                f"Kinds: {', '.join(KINDS)}."
            )
        registry: Registry = getattr(self, kind)
        return registry

    def __iter__(self) -> Iterator[Registry]:
        return iter(self.kind(k) for k in KINDS)

    def components(self) -> list[Component]:
        """Every registered component, by kind then name."""
        return [c for registry in self for c in registry]

    def set_provider(self, provider: str) -> None:
        """Attribute the following registrations to ``provider``."""
        for registry in self:
            registry._provider = provider

    def remove_provider(self, provider: str) -> None:
        for registry in self:
            registry.remove_provider(provider)
