"""Registries: adding, looking up, building, and the errors users see."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

import i2i
from i2i.errors import RegistryError
from i2i.registry import KINDS, Registries


class ScaleParams(i2i.Params):
    factor: float = Field(2.0, gt=0, description="Multiplier.")


def make_scale(params: ScaleParams, offset: float = 0.0):
    return lambda x: x * params.factor + offset


def registries_with_scale(provider: str = "first") -> Registries:
    registries = Registries(installed_plugins=lambda: ["first", "second"])
    registries.set_provider(provider)
    registries.transforms.add(
        "scale", params=ScaleParams, factory=make_scale, description="Multiply values."
    )
    return registries


def test_one_registry_per_kind():
    registries = Registries()
    assert [r.kind for r in registries] == list(KINDS)


def test_create_validates_params_and_passes_context():
    registries = registries_with_scale()
    scale = registries.transforms.create({"name": "scale", "factor": 3}, offset=1.0)
    assert scale(2.0) == 7.0


def test_component_records_its_provider():
    registries = registries_with_scale(provider="first")
    assert registries.transforms.get("scale").provider == "first"


def test_duplicate_name_names_both_providers():
    registries = registries_with_scale(provider="first")
    registries.set_provider("second")
    with pytest.raises(RegistryError, match="'first'.*'second'"):
        registries.transforms.add(
            "scale", params=ScaleParams, factory=make_scale, description="Again."
        )


def test_unknown_name_suggests_close_matches_and_plugins():
    registries = registries_with_scale()
    with pytest.raises(RegistryError) as info:
        registries.transforms.get("scael")
    message = str(info.value)
    assert "Did you mean 'scale'?" in message
    assert "Installed plugins: first, second" in message


def test_params_must_forbid_unknown_keys():
    class Loose(BaseModel):
        factor: float = 1.0

    registries = Registries()
    with pytest.raises(RegistryError, match="unknown keys"):
        registries.transforms.add("loose", params=Loose, factory=make_scale, description="x")


@pytest.mark.parametrize("name", ["CamelCase", "with-dash", "1digit", "trailing."])
def test_names_must_be_snake_case(name):
    with pytest.raises(RegistryError, match="snake_case"):
        Registries().losses.add(name, params=ScaleParams, factory=make_scale, description="x")


def test_description_must_be_one_line():
    with pytest.raises(RegistryError, match="one-line"):
        Registries().losses.add("x", params=ScaleParams, factory=make_scale, description="a\nb")


def test_unknown_param_is_rejected_at_create():
    registries = registries_with_scale()
    with pytest.raises(ValueError, match="factr"):
        registries.transforms.create({"name": "scale", "factr": 3})


def test_lazy_factory_string_is_imported_on_build():
    registries = Registries()
    registries.losses.add(
        "l1", params=ScaleParams, factory="i2i.errors:did_you_mean", description="x"
    )
    assert registries.losses.get("l1").resolve_factory().__name__ == "did_you_mean"


def test_unknown_kind_suggests():
    with pytest.raises(RegistryError, match="Did you mean 'losses'"):
        Registries().kind("loses")
