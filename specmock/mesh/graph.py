"""The mesh graph as DOT (Graphviz) and Mermaid text, with live health and breaker states."""

from __future__ import annotations

from collections.abc import Callable

_HEALTH_COLOUR = {"passing": "green", "warning": "orange"}
_BREAKER_COLOUR = {"closed": "black", "half_open": "orange", "open": "red"}


def dot(
    services: list[str],
    edges: list[tuple[str, str]],
    health: Callable[[str], str],
    breaker: Callable[[str], str],
) -> str:
    lines = ["digraph mesh {", "  rankdir=LR;", "  node [shape=box];"]
    for name in services:
        state = health(name)
        colour = _HEALTH_COLOUR.get(state, "red")
        lines.append(f'  "{name}" [label="{name}\\n{state}", color={colour}];')
    for caller, callee in edges:
        state = breaker(f"{caller}->{callee}")
        colour = _BREAKER_COLOUR[state]
        lines.append(f'  "{caller}" -> "{callee}" [label="{state}", color={colour}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(
    services: list[str],
    edges: list[tuple[str, str]],
    health: Callable[[str], str],
    breaker: Callable[[str], str],
) -> str:
    lines = ["graph LR"]
    for name in services:
        state = health(name)
        lines.append(f'  {_id(name)}["{name} ({state})"]:::{_HEALTH_COLOUR.get(state, "red")}')
    for caller, callee in edges:
        state = breaker(f"{caller}->{callee}")
        arrow = "-.->" if state == "open" else "-->"
        lines.append(f"  {_id(caller)} {arrow}|{state}| {_id(callee)}")
    lines += [
        "  classDef green stroke:#2a2,stroke-width:2px",
        "  classDef orange stroke:#e90,stroke-width:2px",
        "  classDef red stroke:#d22,stroke-width:2px",
    ]
    return "\n".join(lines) + "\n"


def _id(name: str) -> str:
    return "s_" + "".join(c if c.isalnum() else "_" for c in name)
