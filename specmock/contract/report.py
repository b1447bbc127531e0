"""A list of changes as text for a terminal, JSON for tools, Markdown for a pull request."""

from __future__ import annotations

import json

from .diff import Change


def _counts(changes: list[Change]) -> tuple[int, int]:
    client = sum(c.client for c in changes)
    return client, sum(c.server for c in changes)


def text(changes: list[Change]) -> str:
    if not changes:
        return "no changes\n"
    lines = []
    for c in changes:
        side = "client" if c.client else "server" if c.server else "none"
        tag = "BREAKING" if c.client else "changed "
        where = f"{c.operation}: " if c.operation else ""
        lines.append(f"{tag} [{side}] {where}{c.message}  #{c.pointer}")
    client, server = _counts(changes)
    lines.append(f"{len(changes)} change(s): {client} breaking for clients, {server} for servers")
    return "\n".join(lines) + "\n"


def as_json(changes: list[Change]) -> str:
    client, server = _counts(changes)
    body = {
        "breaking": client,
        "breaking_for_servers": server,
        "changes": [c.as_dict() for c in changes],
    }
    return json.dumps(body, indent=2) + "\n"


def markdown(changes: list[Change]) -> str:
    client, server = _counts(changes)
    lines = [
        f"**{len(changes)} change(s)**: {client} breaking for clients, {server} for servers",
        "",
        "| | Operation | Change | Breaks | Pointer |",
        "|---|---|---|---|---|",
    ]
    for c in changes:
        mark = ":x:" if c.client else ":warning:" if c.server else ":white_check_mark:"
        breaks = ", ".join(s for s, on in (("client", c.client), ("server", c.server)) if on)
        message = c.message.replace("|", "\\|")
        lines.append(f"| {mark} | `{c.operation}` | {message} | {breaks or '-'} | `{c.pointer}` |")
    return "\n".join(lines) + "\n"


FORMATS = {"text": text, "json": as_json, "markdown": markdown}
