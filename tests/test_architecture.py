"""The server's shape, checked: no import circle and no oversized module.

The layer rules themselves (what may import what) are import-linter
contracts in pyproject.toml, run by `make lint`; these are the two rules a
layers contract cannot state."""

from __future__ import annotations

from pathlib import Path

import grimp

SERVER = Path(__file__).resolve().parents[1] / "server" / "parley"
MAX_LINES = 500


def _server_modules(graph: grimp.ImportGraph) -> set[str]:
    # The `parley` namespace also holds the generated contract (gen/python).
    out = set()
    for path in SERVER.rglob("*.py"):
        parts = path.relative_to(SERVER.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name in graph.modules:
            out.add(name)
    return out


def _circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan).
    Imports made only for type checking count: they are circles to a reader."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return found


def test_no_import_circle() -> None:
    graph = grimp.build_graph("parley")
    modules = _server_modules(graph)
    assert len(modules) > 50  # the walk found the server, not just the generated code
    assert _circles(graph, modules) == []


def test_no_module_over_500_lines() -> None:
    sizes = {
        str(p.relative_to(SERVER)): len(p.read_text().splitlines())
        for p in SERVER.rglob("*.py")
        if "migrations" not in p.parts
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
