"""Plugin discovery and isolation: entry points, broken plugins, strict mode, env variables."""

from __future__ import annotations

import types

import pytest

import i2i
from i2i import plugins
from i2i.errors import PluginError
from i2i.testing import check_component, isolated_host

FIRST_PARTY = {"pixel_losses"}


def _plugin(name: str, register):
    module = types.ModuleType(name)
    module.i2i_register = i2i.hookimpl(register)
    return module


def _broken_register(registries):
    registries.losses.add("half", params=i2i.Params, factory=dict, description="Added first.")
    raise RuntimeError("boom")


def test_first_party_plugins_load_through_entry_points():
    host = plugins.load_host()
    assert set(host.plugin_names()) >= FIRST_PARTY
    assert all(host.infos[name].distribution == "i2i-microscopy" for name in FIRST_PARTY)


def test_disable_autoload(monkeypatch):
    monkeypatch.setenv("I2I_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert plugins.load_host().plugin_names() == []


def test_disable_autoload_with_allow_list(monkeypatch):
    monkeypatch.setenv("I2I_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("I2I_PLUGINS", "pixel_losses")
    assert plugins.load_host().plugin_names() == ["pixel_losses"]


def test_failing_register_is_reported_and_rolled_back():
    host = isolated_host(strict=False)
    host.add_plugin(_plugin("broken", _broken_register))
    info = host.infos["broken"]
    assert info.status == "failed"
    assert "RuntimeError: boom" in (info.error or "")
    assert "half" not in host.registries.losses


def test_strict_mode_raises_with_the_plugin_name():
    host = isolated_host(strict=True)
    with pytest.raises(PluginError, match="'broken'.*boom"):
        host.add_plugin(_plugin("broken", _broken_register))


def test_registries_attribute_of_the_package():
    assert "l1" in i2i.registries.losses


@pytest.mark.parametrize(
    "component",
    plugins.load_host(strict=True).registries.components(),
    ids=lambda c: f"{c.kind}:{c.name}",
)
def test_registry_contract_of_every_component(component):
    """Parametrized over the live registries: a newly registered component is tested for free."""
    check_component(component)
