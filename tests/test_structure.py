"""The code's shape: imports flow one way (cli → services → runtime → generator), services
use only the public API, and no two modules import each other (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "specmock"
FLOORS = {"cli": 3, "overrides": 2, "mesh": 2, "runtime": 1, "generator": 0}
PUBLIC = {"specmock", "specmock.callbacks"}  # what a service module may import of specmock


def _modules() -> dict[str, Path]:
    found = {}
    for file in PACKAGE.rglob("*.py"):
        parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
    return found


def _imports(name: str, file: Path, known: dict[str, Path]) -> set[str]:
    """The specmock modules `name` imports, at any depth of its code (lazy and type-only
    ones too). A package re-exporting its own modules is no circle, so those are left out."""
    package = file.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = name.split(".")
                base = parts[: len(parts) - node.level + 1] if package else parts[: -node.level]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for candidate in (target, *(f"{target}.{a.name}" for a in node.names)):
                if candidate.startswith("specmock"):
                    out.add(candidate if candidate in known else target)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("specmock.")}
    out.discard(name)
    return {t for t in out if not (package and t.startswith(name + "."))}


GRAPH = {name: _imports(name, file, _modules()) for name, file in _modules().items()}


def _floor(module: str) -> int | None:
    parts = module.split(".")
    return FLOORS.get(parts[1]) if len(parts) > 1 else None


def test_no_module_imports_one_that_imports_it_back():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert circles == []


def test_imports_flow_down_the_floors():
    upward = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (here := _floor(module)) is not None
        and (there := _floor(target)) is not None
        and there > here
    ]
    assert upward == []


def test_services_use_only_the_public_api():
    private = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.startswith("specmock.overrides.")
        for target in targets
        if target not in PUBLIC and not target.startswith(".".join(module.split(".")[:3]))
    ]
    assert private == []
