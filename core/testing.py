"""Test helpers for i2i and third-party plugin authors (also a pytest plugin).

Use in a plugin's test suite::

    # conftest.py
    pytest_plugins = ["i2i.testing"]

    # test_my_plugin.py
    import my_plugin
    from i2i.testing import check_component

    def test_contract(i2i_host):
        i2i_host.add_plugin(my_plugin)
        for component in i2i_host.registries.components():
            check_component(component)

The ``i2i_host`` fixture is a plugin host that scans no installed packages and is installed
as the process-wide host for the duration of the test, so the CLI and ``i2i.registries`` see
exactly the plugins the test adds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from i2i import plugins
from i2i.registry import Component

_ONE_LINE = re.compile(r"^[^\n]{3,200}$")


def isolated_host(*plugin_objects: object, strict: bool = True) -> plugins.PluginHost:
    """A host holding only ``plugin_objects`` (strict by default: failures raise)."""
    host = plugins.PluginHost(strict=strict)
    for plugin in plugin_objects:
        host.add_plugin(plugin)
    return host


@pytest.fixture
def i2i_host() -> Iterator[plugins.PluginHost]:
    """An empty, non-strict host installed as the process-wide host during the test."""
    host = plugins.PluginHost(strict=False)
    previous = plugins._default_host
    plugins._default_host = host
    try:
        yield host
    finally:
        plugins._default_host = previous


def check_component(component: Component) -> object:
    """Assert the registry contract every component must meet; return the built example.

    Checks: the description is one line; ``Params`` forbids unknown keys and has a JSON
    schema; the example parameters validate and round-trip through JSON; the factory
    resolves. Kind-specific behaviour is checked by the kind's own contract tests.
    """
    assert _ONE_LINE.match(component.description), f"{component.name}: description not one line"
    assert component.params.model_config.get("extra") == "forbid", component.name
    schema = component.params.model_json_schema()
    json.dumps(schema)
    params = component.validate_params(component.example)
    assert isinstance(params, BaseModel)
    again = component.params.model_validate_json(params.model_dump_json())
    assert again == params, f"{component.name}: params do not round-trip through JSON"
    with pytest.raises(ValueError):
        component.params.model_validate({**component.example, "surely_not_a_field": 1})
    factory = component.resolve_factory()
    assert callable(factory), f"{component.name}: factory {component.factory!r} is not callable"
    return factory
