"""Path matching for many services and many operations without a regex per route.

Literal paths are one dict lookup. Templated paths are grouped by segment count
and tried most-literal first, which is the order OpenAPI asks for
(`/pets/mine` before `/pets/{id}`).

Two conventions from AWS-style APIs, where several operations share a method and path:

- A path key may end in a query condition, `/{Bucket}?uploads` or `/{Bucket}?list-type=2`
  (the form Smithy's OpenAPI export writes). The operation is chosen only when the request
  carries that query parameter (with that value, if one is given); the operation on the bare
  path is the fallback. Clients that format the path, schemathesis included, send the
  condition as a real query string.
- A path key may also end in `#` and conditions joined by `&`, the form the APIs.guru
  conversions of AWS specs write: `/#X-Amz-Target=DynamoDB_20120810.GetItem` (POST / told
  apart by the `X-Amz-Target` header) and `/tags/{arn}#tagKeys` (chosen when the request
  carries every named query parameter). Clients never send a `#` part.
- A last path parameter marked `x-specmock-greedy: true` takes the rest of the path,
  slashes included (`/{Bucket}/{Key}` matches `/b/photos/2024/cat.jpg`). Greedy patterns
  are tried after every fixed-length one.

Templates equal but for their parameter names (`/render/{templateId}` for POST,
`/render/{renderId}` for GET) are invalid OpenAPI but published: a match carries its
twins, and the method picks the one that declares it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..generator.plan import Operation, Service

_PARAM = re.compile(r"{([^}/]+)}")


HEADER_CONDITIONS = frozenset({"x-amz-target"})  # `#name=value` parts read from a header


@dataclass(frozen=True)
class Condition:
    """What a request must carry to reach an operation declared on a conditional path key:
    query parameters (with a value, or just present) and header values."""

    query: tuple[tuple[str, str | None], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()

    def holds(self, query: dict[str, list[str]], headers: dict[str, str]) -> bool:
        return all(
            name in query and (value is None or value in query[name]) for name, value in self.query
        ) and all(headers.get(name) == value for name, value in self.headers)

    @property
    def rank(self) -> tuple[int, int]:
        """Most specific first: more requirements, then more of them with a value."""
        valued = sum(v is not None for _, v in self.query) + len(self.headers)
        return (-(len(self.query) + len(self.headers)), -valued)


@dataclass
class PathEntry:
    """All operations declared on one path template."""

    service: Service
    template: str
    methods: dict[str, Operation] = field(default_factory=dict)
    # per method, operations selected by a query condition, most specific first
    variants: dict[str, list[tuple[Condition, Operation]]] = field(default_factory=dict)

    def add(self, op: Operation, condition: Condition | None) -> None:
        if condition is None:
            self.methods[op.method] = op
            return
        found = self.variants.setdefault(op.method, [])
        found.append((condition, op))
        found.sort(key=lambda c: c[0].rank)

    def select(
        self, method: str, query: dict[str, list[str]], headers: dict[str, str] | None = None
    ) -> Operation | None:
        """The operation for a method, query and headers; HEAD falls back to GET's. A query
        naming a condition of this path (a sub-resource such as `?uploads`) never falls back
        to the bare path's operation: that method is not declared for the sub-resource."""
        if not self.variants:  # the common case: no sub-resources on this path
            found = self.methods.get(method)
            return found if found or method != "HEAD" else self.methods.get("GET")
        headers = headers or {}
        marked = self._marked(query)
        for name in (method, "GET") if method == "HEAD" else (method,):
            for condition, op in self.variants.get(name, ()):
                if condition.holds(query, headers):
                    return op
            op = None if marked else self.methods.get(name)
            if op is not None:
                return op
        return None

    def _marked(self, query: dict[str, list[str]]) -> bool:
        return any(
            key in query
            for found in self.variants.values()
            for condition, _ in found
            for key, _ in condition.query
        )

    def allow_for(
        self, query: dict[str, list[str]], headers: dict[str, str] | None = None
    ) -> list[str]:
        """The methods declared for this path and query (the Allow header of a 405)."""
        methods = {
            m
            for m in (*self.methods, *self.variants)
            if self.select(m, query, headers)
            or any(c.headers for c, _ in self.variants.get(m, ()))  # told apart by a header
        }
        if "GET" in methods:
            methods.add("HEAD")
        methods.add("OPTIONS")
        return sorted(methods)

    def declares(self, method: str) -> bool:
        """Whether any operation of this path has this method (HEAD: or GET)."""
        names = (method, "GET") if method == "HEAD" else (method,)
        return any(m in self.methods or m in self.variants for m in names)

    @property
    def allow(self) -> list[str]:
        methods = set(self.methods) | set(self.variants)
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
    greedy: bool = False  # the last segment takes the rest of the path
    twins: list[_Pattern] = field(default_factory=list)  # the same template, other names

    @property
    def shape(self) -> tuple[object, ...]:
        return (
            self.greedy,
            *(s.pattern if isinstance(s, re.Pattern) else s for s in self.segments),
        )


@dataclass
class Match:
    entry: PathEntry
    params: dict[str, str]
    prefix: str = ""  # the mount prefix the path was matched under
    twins: list[Match] = field(default_factory=list)  # the same path under other names

    def for_method(self, method: str) -> Match:
        """This match, or the twin whose template declares `method`."""
        if not self.twins or method in self.entry.allow:
            return self
        found = next((t for t in self.twins if method in t.entry.allow), self)
        found.prefix = self.prefix
        return found


class Router:
    """Maps (path) to a PathEntry; mount prefixes are stripped before matching."""

    def __init__(self) -> None:
        self._mounts: list[tuple[str, dict[str, PathEntry], dict[int, list[_Pattern]]]] = []

    def mount(self, prefix: str, service: Service) -> list[str]:
        """Add a service under a prefix; returns conflicts with services already mounted."""
        literal: dict[str, PathEntry] = {}
        templated: dict[int, list[_Pattern]] = {}
        entries: dict[str, PathEntry] = {}
        greedy: set[str] = set()
        for op in service.operations:
            template, condition = split_condition(op.path)
            entry = entries.setdefault(template, PathEntry(service, template))
            entry.add(op, condition)
            greedy.update(p.name for p in op.params if p.greedy)
        for template, entry in entries.items():
            if "{" not in template:
                literal[template] = entry
            else:
                pattern = _compile(entry, greedy)
                size = -len(pattern.segments) if pattern.greedy else len(pattern.segments)
                templated.setdefault(size, []).append(pattern)
        for template in [t for t in literal if t.endswith("/")]:  # `/a/` also answers `/a`
            literal.setdefault(template.rstrip("/") or "/", literal[template])
        for patterns in templated.values():
            patterns.sort(key=lambda p: p.rank, reverse=True)
            shapes: dict[tuple[object, ...], list[_Pattern]] = {}
            for pattern in patterns:
                shapes.setdefault(pattern.shape, []).append(pattern)
            for same in shapes.values():
                for pattern in same if len(same) > 1 else ():
                    pattern.twins = [p for p in same if p is not pattern]
        conflicts = [p for p, _, _ in self._mounts if p == prefix]
        self._mounts.append((prefix, literal, templated))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)
        return conflicts

    def match(self, path: str, method: str | None = None) -> Match | None:
        """The entry for a path. Given the method, of templates equally specific (GitHub's
        `/attestations/{subject_digest}` GET beside `/attestations/{attestation_id}`
        DELETE: one path to OpenAPI, two keys in the file) the one declaring it wins."""
        for prefix, literal, templated in self._mounts:
            if prefix:
                if not (path == prefix or path.startswith(prefix + "/")):
                    continue
                rest = path[len(prefix) :] or "/"
            else:
                rest = path
            found = _match_in(rest, literal, templated, method)
            if found:
                found.prefix = prefix
                return found
        return None


def _match_in(
    path: str,
    literal: dict[str, PathEntry],
    templated: dict[int, list[_Pattern]],
    method: str | None = None,
) -> Match | None:
    key = path.rstrip("/") or "/"
    entry = literal.get(path) or literal.get(key)  # `/a` and `/a/` differ when both declared
    if entry is not None:
        return Match(entry, {})
    parts = key.split("/")[1:]
    first: tuple[Match, tuple[int, ...]] | None = None
    for pattern in templated.get(len(parts), ()):
        if first is not None and pattern.rank != first[1]:
            break  # less specific: the first match stands
        params = _try(pattern, parts)
        if params is None:
            continue
        twins = [Match(t.entry, _try(t, parts) or {}) for t in pattern.twins]
        found = Match(pattern.entry, params, twins=twins)
        if method is None or pattern.entry.declares(method):
            return found
        first = first or (found, pattern.rank)
    if first is not None:
        return first[0]
    parts = path.split("/")[1:]  # a greedy value keeps its trailing slash ("photos/")
    for size in sorted((s for s in templated if s < 0), reverse=True):
        if -size > len(parts):
            continue
        for pattern in templated[size]:
            head = [*parts[: -size - 1], "/".join(parts[-size - 1 :])]
            params = _try(pattern, head)
            if params is not None:
                return Match(pattern.entry, params)
    return None


def split_condition(path: str) -> tuple[str, Condition | None]:
    """`/{Bucket}?list-type=2` -> (`/{Bucket}`, query list-type=2);
    `/#X-Amz-Target=S.Op` -> (`/`, header x-amz-target: S.Op); no `?` or `#`, no condition."""
    template, mark, rest = path.partition("#")
    if not mark:
        template, mark, rest = path.partition("?")
        if not mark:
            return path, None
    query: list[tuple[str, str | None]] = []
    headers: list[tuple[str, str]] = []
    for part in filter(None, rest.split("&")):
        name, equals, value = part.partition("=")
        if name.lower() in HEADER_CONDITIONS and equals:
            headers.append((name.lower(), value))
        else:
            query.append((name, value if equals else None))
    return template or "/", Condition(tuple(query), tuple(headers))


def without_marker(path: str, query: dict[str, list[str]]) -> dict[str, list[str]]:
    """A client formatting `/{Bucket}/{Key}?uploadId` and adding `uploadId=abc` sends the name
    twice (`?uploadId&uploadId=abc`); the bare marker is dropped so the value reads as one."""
    if not query or "?" not in path:
        return query
    condition = split_condition(path)[1]
    if condition is None or not condition.query:
        return query
    name = condition.query[0][0]
    values = query.get(name, [])
    if len(values) < 2 or all(values):
        return query
    kept = [v for v in values if v]
    return {**query, name: kept or values[:1]}


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


def _compile(entry: PathEntry, greedy: set[str]) -> _Pattern:
    segments: list[str | re.Pattern[str] | None] = []
    names: list[str | None] = []
    rank = []
    parts = entry.template.rstrip("/").split("/")[1:]
    last = _PARAM.fullmatch(parts[-1]) if parts else None
    for part in parts:
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
    return _Pattern(entry, segments, names, tuple(rank), bool(last and last.group(1) in greedy))


def _group(name: str) -> str:
    """Regex group names must be identifiers; parameter names need not be."""
    if name.isidentifier():
        return name
    raise ValueError(f"path parameter name {name!r} inside a segment is not supported")
