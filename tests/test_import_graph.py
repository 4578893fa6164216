"""The import graph of ``i2i``: no module imports itself back through others (no circles).

Every import counts: at module level, inside functions and under ``TYPE_CHECKING``. A lazy
import inside a function hides a circle from Python but not from a reader; one under
``TYPE_CHECKING`` still ties the two modules' designs together. An import names the most
specific module it reaches, as grimp counts them: ``from i2i.evaluate import figures`` is
``i2i.evaluate.figures``, ``from i2i.evaluate import Evaluator`` is the package ``i2i.evaluate``.

Run as a script (``python tests/test_import_graph.py``) to list every circle in ``core/``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "core"
PACKAGE = "i2i"


def module_paths(root: Path = CORE, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name (a package by its own)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([package, *parts])] = path
    return names


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` if it is a module of the package, else its nearest enclosing one (or None)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def _imports(module: str, modules: dict[str, Path]) -> Iterator[str | None]:
    """The package's modules that the imports of ``module`` reach."""
    path = modules[module]
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (_known(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield submodule if submodule in modules else _known(source, modules)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each module, the other modules of the package it imports."""
    return {
        module: {target for target in _imports(module, modules) if target not in (None, module)}
        for module in modules
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(groups)


def circles_within(prefix: str) -> list[list[str]]:
    """The circles among the modules of ``prefix`` (a package and everything below it)."""
    graph = import_graph(module_paths())
    inside = {m: {t for t in ts if _under(t, prefix)} for m, ts in graph.items()}
    inside = {m: ts for m, ts in inside.items() if _under(m, prefix)}
    return circles(inside)


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(f"{prefix}.")


def test_circles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_every_kind_of_import_is_an_edge(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.lazy import thing\n")
    (package / "lazy.py").write_text("def f():\n    from . import typed\n")
    (package / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.plain\n"
    )
    (package / "plain.py").write_text("from pkg import thing\n")
    graph = import_graph(module_paths(package, "pkg"))
    assert graph == {
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
    for group in circles(import_graph(module_paths())):
        print(" <-> ".join(group))
