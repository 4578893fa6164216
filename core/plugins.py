"""Plugin discovery and loading (pluggy, entry-point group ``i2i``).

First-party plugins in ``plugins/`` are found through the same entry points as third-party
packages. A plugin that fails to import or to register is skipped and reported (``i2i
plugins``) unless strict mode is on (``--strict-plugins`` or ``I2I_STRICT_PLUGINS=1``).

Environment variables:

``I2I_DISABLE_PLUGIN_AUTOLOAD=1``
    Do not scan entry points; only plugins named in ``I2I_PLUGINS`` load.
``I2I_PLUGINS=a,b``
    Load only these entry points (by name) when autoload is on; load these even when
    autoload is off.
``I2I_STRICT_PLUGINS=1``
    A plugin that fails to load is an error.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Protocol, TypeVar, cast

import pluggy

from i2i import hookspecs
from i2i.errors import I2IError, PluginError
from i2i.registry import Registries

hookimpl = pluggy.HookimplMarker("i2i")

ENTRY_POINT_GROUP = "i2i"


class Named(Protocol):
    """What :meth:`PluginHost.gather_named` collects: an object with a unique name."""

    @property
    def name(self) -> str: ...


NamedT = TypeVar("NamedT", bound=Named)


@dataclass
class PluginInfo:
    """What ``i2i plugins`` reports about one plugin."""

    name: str
    distribution: str
    version: str
    status: str = "ok"
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    components: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": self.hooks,
            "components": self.components,
        }


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


class PluginHost:
    """A plugin manager with its registries and a report of every plugin it tried."""

    def __init__(self, strict: bool = False):
        self.strict = strict
        self.manager = pluggy.PluginManager("i2i")
        self.manager.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.registries = Registries(installed_plugins=self.plugin_names)

    def plugin_names(self) -> list[str]:
        return sorted(name for name, info in self.infos.items() if info.status == "ok")

    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        """Import and register every entry point of the ``i2i`` group (or only those named)."""
        wanted = set(only) if only is not None else None
        for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=_ep_key):
            if wanted is not None and entry_point.name not in wanted:
                continue
            if entry_point.name in self.infos:
                continue
            info = _info_for(entry_point)
            try:
                module = entry_point.load()
            except Exception as exc:  # a broken plugin must not break i2i
                self._fail(info, f"import failed: {_describe(exc)}", exc)
                continue
            self.add_plugin(module, info)

    def add_plugin(self, plugin: ModuleType | object, info: PluginInfo | None = None) -> None:
        """Register a plugin object (a module or an instance with hook implementations)."""
        name = info.name if info else getattr(plugin, "__name__", type(plugin).__name__)
        info = info or PluginInfo(name=name, distribution="(in-process)", version="")
        self.infos[name] = info
        try:
            self.manager.register(plugin, name=name)
        except Exception as exc:
            self._fail(info, f"registration failed: {_describe(exc)}", exc)
            return
        info.hooks = sorted(h.name for h in self.manager.get_hookcallers(plugin) or [])
        self._run_register_hook(name, plugin, info)

    def _run_register_hook(self, name: str, plugin: object, info: PluginInfo) -> None:
        implementation = getattr(plugin, "i2i_register", None)
        if implementation is None:
            return
        before = len(self.registries.components())
        self.registries.set_provider(name)
        try:
            implementation(registries=self.registries)
        except Exception as exc:
            self.registries.remove_provider(name)
            self._fail(info, f"i2i_register failed: {_describe(exc)}", exc)
        finally:
            self.registries.set_provider("<unknown>")
        info.components = len(self.registries.components()) - before

    def implementations(self, hook: str) -> list[tuple[PluginInfo, Callable[..., object]]]:
        """Each plugin that loaded (status ok) and implements ``hook``, with its implementation.

        For hooks called once per plugin with that plugin's failure handled on its own (see
        :meth:`fail_hook`), such as ``i2i_add_cli_commands``.
        """
        found = []
        for name, plugin in self.manager.list_name_plugin():
            info = self.infos.get(name)
            implementation = getattr(plugin, hook, None)
            if info is not None and info.status == "ok" and callable(implementation):
                found.append((info, implementation))
        return found

    def gather(self, hook: str, **kwargs: object) -> Iterator[tuple[PluginInfo, object]]:
        """Call ``hook`` of each loaded plugin on its own (with ``kwargs``), in turn: each plugin
        with what it returned. One that raises is skipped and reported (:meth:`fail_hook`; in
        strict mode its error is raised), and the others still answer."""
        for info, implementation in self.implementations(hook):
            try:
                result = implementation(**kwargs)
            except Exception as exc:  # a broken plugin must not break the others
                self.fail_hook(info, hook, exc)
                continue
            yield info, result

    def gather_named(
        self,
        hook: str,
        what: str,
        error: type[I2IError],
        builtin: Mapping[str, NamedT] | None = None,
    ) -> dict[str, NamedT]:
        """The named objects the plugins' ``hook`` returns (a list each, :meth:`gather`) and
        i2i's own ``builtin`` ones, by name in name order. A name given twice raises ``error``
        naming both providers; ``what`` names such an object in that message."""
        found: dict[str, tuple[str, NamedT]] = {
            name: ("i2i", item) for name, item in (builtin or {}).items()
        }
        for info, items in self.gather(hook):
            for item in cast(list[NamedT], items):
                if item.name in found:
                    raise error(
                        f"{what} {item.name!r} is provided twice: by {found[item.name][0]!r} and "
                        f"by {info.name!r}. Uninstall one of them."
                    )
                found[item.name] = (info.name, item)
        return {name: item for name, (_, item) in sorted(found.items())}

    def fail_hook(self, info: PluginInfo, hook: str, exc: BaseException) -> None:
        """Skip a plugin whose ``hook`` raised: report it, remove its components (strict: raise)."""
        self.registries.remove_provider(info.name)
        info.components = 0
        self._fail(info, f"{hook} failed: {_describe(exc)}", exc)

    def _fail(self, info: PluginInfo, message: str, exc: BaseException) -> None:
        info.status = "failed"
        info.error = message
        self.infos[info.name] = info
        if self.strict:
            detail = "".join(traceback.format_exception(exc, limit=-3)).strip()
            raise PluginError(
                f"Plugin {info.name!r} ({info.distribution} {info.version}) failed: {message}. "
                "Strict plugin mode is on (--strict-plugins or I2I_STRICT_PLUGINS); fix or "
                f"uninstall the plugin, or turn strict mode off.\n{detail}"
            ) from exc

    def failed(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.status != "ok"]


def _ep_key(entry_point: metadata.EntryPoint) -> str:
    return entry_point.name


def _info_for(entry_point: metadata.EntryPoint) -> PluginInfo:
    dist = getattr(entry_point, "dist", None)
    return PluginInfo(
        name=entry_point.name,
        distribution=dist.metadata["Name"] if dist is not None else "?",
        version=dist.version if dist is not None else "?",
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def load_host(strict: bool | None = None) -> PluginHost:
    """A host with the plugins the environment asks for (see the module docstring)."""
    host = PluginHost(strict=_env_flag("I2I_STRICT_PLUGINS") if strict is None else strict)
    allow = _env_list("I2I_PLUGINS")
    if _env_flag("I2I_DISABLE_PLUGIN_AUTOLOAD"):
        if allow:
            host.load_entry_points(only=allow)
    else:
        host.load_entry_points(only=allow)
    return host


_default_host: PluginHost | None = None


def default_host(strict: bool | None = None) -> PluginHost:
    """The process-wide host, loaded on first use."""
    global _default_host
    if _default_host is None or (strict and not _default_host.strict):
        _default_host = load_host(strict=strict)
    return _default_host


def reset_default_host() -> None:
    """Forget the process-wide host (tests; after installing a plugin at run time)."""
    global _default_host
    _default_host = None


def get_registries() -> Registries:
    """The registries filled by every loaded plugin."""
    return default_host().registries
