"""The import graph of ``i2i``: no module imports itself back through others (no circles).

Every import counts: at module level, inside functions and under ``TYPE_CHECKING``. A lazy
import inside a function hides a circle from Python but not from a reader; one under
``TYPE_CHECKING`` still ties the two modules' designs together. The graph is grimp's (the one
import-linter checks the layers on), the circles its strongly connected groups (networkx).

Run as a script (``python tests/core/test_import_graph.py``) to list every circle in ``core/``.
"""

from __future__ import annotations

import grimp
import networkx as nx
import pytest

PACKAGE = "i2i"


def import_graph(package: str = PACKAGE) -> dict[str, set[str]]:
    """For each module of ``package``, the other modules of ``package`` it imports."""
    graph = grimp.build_graph(package, cache_dir=None)
    return {
        module: {
            target
            for target in graph.find_modules_directly_imported_by(module)
            if target == package or target.startswith(f"{package}.")
        }
        - {module}
        for module in graph.modules
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of more than one module that import each other, each sorted."""
    directed = nx.DiGraph(
        [(module, target) for module, targets in graph.items() for target in targets]
    )
    return sorted(
        sorted(group) for group in nx.strongly_connected_components(directed) if len(group) > 1
    )


def circles_within(prefix: str) -> list[list[str]]:
    """The circles among the modules of ``prefix`` (a package and everything below it)."""
    graph = import_graph()
    inside = {
        m: {t for t in ts if _under(t, prefix)} for m, ts in graph.items() if _under(m, prefix)
    }
    return circles(inside)


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(f"{prefix}.")


def test_circles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_every_kind_of_import_is_an_edge(tmp_path, monkeypatch: pytest.MonkeyPatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.lazy import thing\n")
    (package / "lazy.py").write_text("def f():\n    from . import typed\n")
    (package / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.plain\n"
    )
    (package / "plain.py").write_text("from pkg import thing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_graph("pkg") == {
        "pkg": {"pkg.lazy"},
        "pkg.lazy": {"pkg.typed"},
        "pkg.typed": {"pkg.plain"},
        "pkg.plain": {"pkg"},
    }


def test_evaluate_has_no_circles():
    assert circles_within("i2i.evaluate") == []


def test_core_has_no_circles():
    assert circles_within("i2i") == []


if __name__ == "__main__":
    for group in circles(import_graph()):
        print(" <-> ".join(group))
