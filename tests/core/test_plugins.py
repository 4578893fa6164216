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


def _exporters_plugin(name: str, *exporters: str, error: Exception | None = None):
    """A plugin whose ``i2i_model_exporters`` hook returns named objects, or raises ``error``."""
    module = types.ModuleType(name)

    def i2i_model_exporters():
        if error is not None:
            raise error
        return [types.SimpleNamespace(name=exporter) for exporter in exporters]

    module.i2i_model_exporters = i2i.hookimpl(i2i_model_exporters)
    return module


def test_gather_answers_per_plugin_and_isolates_a_failing_one():
    host = isolated_host(strict=False)
    host.add_plugin(_exporters_plugin("first", "a"))
    host.add_plugin(_exporters_plugin("broken", error=RuntimeError("boom")))
    host.add_plugin(_exporters_plugin("last", "b", "c"))
    answers = {
        info.name: [e.name for e in result] for info, result in host.gather("i2i_model_exporters")
    }
    assert answers == {"first": ["a"], "last": ["b", "c"]}
    assert host.infos["broken"].status == "failed"
    assert host.infos["broken"].error == "i2i_model_exporters failed: RuntimeError: boom"
    assert host.plugin_names() == ["first", "last"]
    again = [info.name for info, _ in host.gather("i2i_model_exporters")]
    assert again == ["first", "last"]  # a failed plugin is not asked again


def test_gather_in_strict_mode_raises_the_plugins_error():
    host = isolated_host(strict=True)
    host.add_plugin(_exporters_plugin("broken", error=RuntimeError("boom")))
    with pytest.raises(PluginError, match="'broken'.*i2i_model_exporters failed.*boom"):
        list(host.gather("i2i_model_exporters"))


def test_gather_named_sorts_by_name_and_refuses_a_name_given_twice():
    host = isolated_host(_exporters_plugin("acme", "zeta", "alpha"))
    builtin = {"i2i": types.SimpleNamespace(name="i2i")}
    found = host.gather_named("i2i_model_exporters", "Export format", PluginError, builtin)
    assert list(found) == ["alpha", "i2i", "zeta"]
    host.add_plugin(_exporters_plugin("other", "i2i"))
    with pytest.raises(
        PluginError, match="Export format 'i2i' is provided twice: by 'i2i' and by 'other'"
    ):
        host.gather_named("i2i_model_exporters", "Export format", PluginError, builtin)
