"""Path matching for many services and many operations without a regex per route.

Literal paths are one dict lookup. Templated paths are grouped by segment count
and tried most-literal first, which is the order OpenAPI asks for
(`/pets/mine` before `/pets/{id}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..generator.plan import Operation, Service

_PARAM = re.compile(r"{([^}/]+)}")


@dataclass
class PathEntry:
    """All operations declared on one path template."""

    service: Service
    template: str
    methods: dict[str, Operation] = field(default_factory=dict)

    @property
    def allow(self) -> list[str]:
        methods = set(self.methods)
        if "GET" in methods:
            methods.add("HEAD")
        methods.add("OPTIONS")
        return sorted(methods)


@dataclass
class _Pattern:
    entry: PathEntry
    segments: list[str | re.Pattern[str] | None]  # literal, partial-template regex, or whole param
    names: list[str | None]
    rank: tuple[int, ...]


@dataclass
class Match:
    entry: PathEntry
    params: dict[str, str]
    prefix: str = ""  # the mount prefix the path was matched under


class Router:
    """Maps (path) to a PathEntry; mount prefixes are stripped before matching."""

    def __init__(self) -> None:
        self._mounts: list[tuple[str, dict[str, PathEntry], dict[int, list[_Pattern]]]] = []

    def mount(self, prefix: str, service: Service) -> list[str]:
        """Add a service under a prefix; returns conflicts with services already mounted."""
        literal: dict[str, PathEntry] = {}
        templated: dict[int, list[_Pattern]] = {}
        entries: dict[str, PathEntry] = {}
        for op in service.operations:
            entry = entries.setdefault(op.path, PathEntry(service, op.path))
            entry.methods[op.method] = op
        for template, entry in entries.items():
            if "{" not in template:
                literal[template.rstrip("/") or "/"] = entry
            else:
                pattern = _compile(entry)
                templated.setdefault(len(pattern.segments), []).append(pattern)
        for patterns in templated.values():
            patterns.sort(key=lambda p: p.rank, reverse=True)
        conflicts = [p for p, _, _ in self._mounts if p == prefix]
        self._mounts.append((prefix, literal, templated))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)
        return conflicts

    def match(self, path: str) -> Match | None:
        for prefix, literal, templated in self._mounts:
            if prefix:
                if not (path == prefix or path.startswith(prefix + "/")):
                    continue
                rest = path[len(prefix) :] or "/"
            else:
                rest = path
            found = _match_in(rest, literal, templated)
            if found:
                found.prefix = prefix
                return found
        return None


def _match_in(
    path: str, literal: dict[str, PathEntry], templated: dict[int, list[_Pattern]]
) -> Match | None:
    key = path.rstrip("/") or "/"
    entry = literal.get(key)
    if entry is not None:
        return Match(entry, {})
    parts = key.split("/")[1:]
    for pattern in templated.get(len(parts), ()):
        params = _try(pattern, parts)
        if params is not None:
            return Match(pattern.entry, params)
    return None


def _try(pattern: _Pattern, parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for seg, name, part in zip(pattern.segments, pattern.names, parts, strict=True):
        if isinstance(seg, str):
            if seg != part:
                return None
        elif seg is None:
            if part == "":
                return None
            params[name or ""] = unquote(part)
        else:
            m = seg.fullmatch(part)
            if m is None:
                return None
            params.update({k: unquote(v) for k, v in m.groupdict().items()})
    return params


def _compile(entry: PathEntry) -> _Pattern:
    segments: list[str | re.Pattern[str] | None] = []
    names: list[str | None] = []
    rank = []
    for part in entry.template.rstrip("/").split("/")[1:]:
        whole = _PARAM.fullmatch(part)
        if whole:
            segments.append(None)
            names.append(whole.group(1))
            rank.append(0)
        elif "{" in part:
            regex = "".join(
                f"(?P<{_group(piece)}>.+?)" if i % 2 else re.escape(piece)
                for i, piece in enumerate(_PARAM.split(part))
            )
            segments.append(re.compile(regex))
            names.append(None)
            rank.append(1)
        else:
            segments.append(part)
            names.append(None)
            rank.append(2)
    return _Pattern(entry, segments, names, tuple(rank))


def _group(name: str) -> str:
    """Regex group names must be identifiers; parameter names need not be."""
    if name.isidentifier():
        return name
    raise ValueError(f"path parameter name {name!r} inside a segment is not supported")
