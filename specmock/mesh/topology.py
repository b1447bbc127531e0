"""The mesh graph: services, and which operation calls which downstream operation.

A mesh file declares services (a spec file, or a few `METHOD /path` lines that
become a tiny generated spec) and calls between operations. The graph is
checked for cycles with the standard library's topological sorter: a cycle is
an error unless the mesh allows cycles with a hop limit, which then stops the
loop at run time.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_OPERATION = re.compile(r"^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)\s+(/\S*)$")


class MeshError(ValueError):
    """A mesh file or graph change that cannot work, naming the field and the rule."""


@dataclass
class ServiceDecl:
    """One mocked service: a spec file, or operations to generate a spec for."""

    name: str
    spec: str | None = None
    operations: dict[str, str] = field(default_factory=dict)  # operationId -> "GET /path"
    tags: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class CallDecl:
    """An edge: while answering `caller`, call `target` (sync HTTP, or an async message)."""

    caller: str  # service:operationId
    target: str  # service:operationId
    path: str | None = None  # the concrete path to call; the template with "1" for params
    body: Any = None
    asynchronous: bool = False
    timeout: float = 5.0
    parallel: bool = False  # goes out together with the neighbouring parallel calls

    @property
    def caller_service(self) -> str:
        return self.caller.split(":", 1)[0]

    @property
    def target_service(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def edge(self) -> str:
        return f"{self.caller_service}->{self.target_service}"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["from"], out["to"], out["async"] = (
            out.pop("caller"),
            out.pop("target"),
            out.pop("asynchronous"),
        )
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class Topology:
    services: dict[str, ServiceDecl] = field(default_factory=dict)
    calls: list[CallDecl] = field(default_factory=list)
    max_hops: int | None = None  # set: cycles are allowed and cut at this depth

    def calls_from(self, service: str, operation: str) -> list[CallDecl]:
        key = f"{service}:{operation}"
        return [c for c in self.calls if c.caller == key]

    def edges(self) -> list[tuple[str, str]]:
        """Service-level dependency edges, each once, in declaration order."""
        seen: dict[tuple[str, str], None] = {}
        for call in self.calls:
            seen[(call.caller_service, call.target_service)] = None
        return list(seen)

    def cycle(self) -> list[str] | None:
        """One cycle of operations (first node repeated at the end), or None."""
        graph: dict[str, set[str]] = {}
        for call in self.calls:
            graph.setdefault(call.caller, set()).add(call.target)
        try:
            TopologicalSorter(graph).prepare()
        except CycleError as exc:
            return list(reversed(exc.args[1]))
        return None

    def check(self) -> None:
        """Refuse a graph with a cycle unless a hop limit makes it safe."""
        cycle = self.cycle()
        if cycle and self.max_hops is None:
            raise MeshError(
                f"calls: circular dependency {' -> '.join(cycle)}; "
                "set max_hops to allow cycles with a hop limit"
            )

    def add_call(self, call: CallDecl) -> None:
        """Add an edge at run time; a change that makes a forbidden cycle is undone."""
        if any(c.caller == call.caller and c.target == call.target for c in self.calls):
            raise MeshError(f"calls: {call.caller} already calls {call.target}")
        self.calls.append(call)
        try:
            self.check()
        except MeshError:
            self.calls.pop()
            raise

    def remove_call(self, caller: str, target: str) -> bool:
        before = len(self.calls)
        self.calls = [c for c in self.calls if not (c.caller == caller and c.target == target)]
        return len(self.calls) != before


def parse(data: Any, base: Path | None = None) -> Topology:
    """A Topology from a parsed mesh file; every problem names its field."""
    if not isinstance(data, dict):
        raise MeshError("mesh: the file must be a mapping with `services` and `calls`")
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        raise MeshError("services: must be a non-empty mapping of name -> service")
    topology = Topology(max_hops=_hops(data.get("max_hops")))
    for name, raw in services.items():
        topology.services[name] = _service(str(name), raw or {}, base)
    for i, raw in enumerate(data.get("calls") or []):
        topology.calls.append(parse_call(raw, f"calls[{i}]"))
    topology.check()
    return topology


def parse_call(raw: Any, where: str = "call") -> CallDecl:
    if not isinstance(raw, dict):
        raise MeshError(f"{where}: must be a mapping with `from` and `to`")
    unknown = set(raw) - {"from", "to", "path", "body", "async", "timeout", "parallel"}
    if unknown:
        raise MeshError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("from", "to"):
        value = raw.get(key)
        if not isinstance(value, str) or value.count(":") != 1:
            raise MeshError(f"{where}.{key}: must be `service:operationId`")
    timeout = raw.get("timeout", 5.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise MeshError(f"{where}.timeout: must be a positive number of seconds")
    path = raw.get("path")
    if path is not None and not (isinstance(path, str) and path.startswith("/")):
        raise MeshError(f"{where}.path: must start with /")
    return CallDecl(
        raw["from"],
        raw["to"],
        path,
        raw.get("body"),
        bool(raw.get("async")),
        float(timeout),
        bool(raw.get("parallel")),
    )


def resolve(topology: Topology, operations: dict[str, set[str]]) -> None:
    """Check that every call names a declared service and operation."""
    for i, call in enumerate(topology.calls):
        for key, ref in (("from", call.caller), ("to", call.target)):
            service, op = ref.split(":", 1)
            if service not in operations:
                raise MeshError(f"calls[{i}].{key}: no service {service!r} in the mesh")
            if op not in operations[service]:
                known = ", ".join(sorted(operations[service]))
                raise MeshError(f"calls[{i}].{key}: {service} has no operation {op!r} ({known})")


def _hops(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MeshError("max_hops: must be a whole number >= 1")
    return value


def _service(name: str, raw: Any, base: Path | None) -> ServiceDecl:
    where = f"services.{name}"
    if not _NAME.match(name):
        raise MeshError(f"{where}: a name takes letters, digits, - and _ and starts with a letter")
    if not isinstance(raw, dict):
        raise MeshError(f"{where}: must be a mapping with `spec` or `operations`")
    unknown = set(raw) - {"spec", "operations", "tags", "meta"}
    if unknown:
        raise MeshError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    spec, operations = raw.get("spec"), raw.get("operations") or {}
    if bool(spec) == bool(operations):
        raise MeshError(f"{where}: give exactly one of `spec` or `operations`")
    if not isinstance(operations, dict):
        raise MeshError(f"{where}.operations: must map operationId -> 'METHOD /path'")
    for op, line in operations.items():
        if not isinstance(line, str) or not _OPERATION.match(line.strip()):
            raise MeshError(f"{where}.operations.{op}: must be 'METHOD /path', e.g. 'GET /items'")
    if spec is not None:
        path = Path(str(spec))  # relative to the mesh file; else as given (a bundled name)
        if base is not None and not path.is_absolute() and (base / path).exists():
            path = base / path
        spec = str(path)
    tags = raw.get("tags") or []
    meta = raw.get("meta") or {}
    if not isinstance(tags, list) or not isinstance(meta, dict):
        raise MeshError(f"{where}: tags must be a list and meta a mapping")
    return ServiceDecl(
        name,
        spec,
        {str(k): str(v).strip() for k, v in operations.items()},
        [str(t) for t in tags],
        {str(k): str(v) for k, v in meta.items()},
    )


def generated_spec(service: ServiceDecl) -> dict[str, Any]:
    """A tiny OpenAPI document for a service declared by its operations alone.

    Each operation answers a small object and declares the statuses a mesh hop can
    fail with (500, 502, 503, 504), so propagated failures stay contract-true.
    """
    paths: dict[str, dict[str, Any]] = {}
    for op_id, line in service.operations.items():
        method, path = line.split(None, 1)
        params = re.findall(r"{([^}/]+)}", path)
        operation: dict[str, Any] = {
            "operationId": op_id,
            "responses": {
                "200": _json("answered", {"$ref": "#/components/schemas/Answer"}),
                **{
                    str(s): _json("failed", {"$ref": "#/components/schemas/Failure"})
                    for s in (500, 502, 503, 504)
                },
            },
        }
        if params:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ]
        if method.upper() in ("POST", "PUT", "PATCH"):
            operation["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{service.name} (mesh)", "version": "1.0.0"},
        "x-specmock-name": service.name,
        "x-specmock-stateful": False,
        "paths": paths,
        "components": {
            "schemas": {
                "Answer": {
                    "type": "object",
                    "required": ["service", "ok"],
                    "properties": {
                        "service": {"type": "string", "const": service.name},
                        "ok": {"type": "boolean", "const": True},
                    },
                },
                "Failure": {
                    "type": "object",
                    "required": ["service", "error"],
                    "properties": {
                        "service": {"type": "string", "const": service.name},
                        "error": {"type": "string", "maxLength": 200},
                    },
                },
            }
        },
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
