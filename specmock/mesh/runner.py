"""The mesh: many mocked services in one SpecmockApp, with a layer around it.

Every service is mounted under /<name> on one port. The mesh is an ASGI layer in
front of the app: it opens a server span per hop, applies the running chaos
scenario, and hands the request on; operations with declared calls get an
override (the public hook API) that calls their downstreams over HTTP before
specmock answers, so latency and failures travel up the chain. /v1 is the
Consul-compatible discovery API; the mesh control plane is /__specmock/mesh.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..generator.build import build_service
from ..generator.loader import load_document
from ..generator.plan import Operation
from ..generator.sources import expand
from ..runtime import admin as core_admin
from ..runtime import hooks
from ..runtime.app import SpecmockApp
from ..runtime.clock import Clock
from ..runtime.faults import CONNECTION_FAULTS
from ..runtime.hooks import Context, Reply
from ..runtime.responder import Settings
from . import consul, tracing
from .admin import install
from .breakers import Breakers, parse_breakers
from .calls import CALLER, HOPS, Caller, Outcome, concrete
from .chaos import Chaos, parse_scenario
from .registry import Instance, Registry
from .topology import CallDecl, MeshError, Topology, generated_spec, parse, resolve
from .tracing import Span, Tracer

log = logging.getLogger("specmock")
CURRENT: contextvars.ContextVar[Span | None] = contextvars.ContextVar("mesh_span", default=None)
_FAILURE_STATUSES = (503, 502, 504, 500)


class Mesh:
    """An ASGI app serving a whole mesh; also the object tests and the admin API drive."""

    def __init__(
        self,
        topology: Topology,
        seed: int = 0,
        breakers: Any = None,
        scenarios: dict[str, Any] | None = None,
        clock: Clock | None = None,
        quiet: bool = True,
        stateful: bool = True,
    ):
        self.topology = topology
        self.seed = seed
        services = [
            build_service(
                load_document(_source(decl.spec) if decl.spec else generated_spec(decl), name)
            )
            for name, decl in topology.services.items()
        ]
        settings = Settings(seed=seed, stateful=stateful)
        self.app = SpecmockApp(services, settings, quiet=quiet, clock=clock)
        self.operations = {s.name: {op.operation_id: op for op in s.operations} for s in services}
        resolve(topology, {name: set(ops) for name, ops in self.operations.items()})
        self.prefixes = {s.name: "" if len(services) == 1 else f"/{s.name}" for s in services}
        self.tracer = Tracer(seed)
        self.breakers: Breakers = parse_breakers(breakers, self.now)
        self.chaos = Chaos(self.now, seed)
        for name, raw in (scenarios or {}).items():
            self.chaos.scenarios[name] = parse_scenario(
                raw, f"scenarios.{name}", set(topology.services)
            )
        self.registry = Registry(self.now)
        self.consul = consul.app(self.registry)
        self.caller = Caller(self)
        self.url: str | None = None
        self._hooked: set[str] = set()
        for call in topology.calls:
            self._hook(call.caller)
        install(self)  # the control plane needs the mesh built first

    # -- time, addresses, topology ------------------------------------------------------

    def now(self) -> float:
        """The mesh clock: the app's, so /__specmock/clock moves breakers, TTLs and chaos."""
        return self.app.clock.now()

    def bind(self, url: str) -> None:
        """Where the mesh is served; registers every service at that address."""
        self.url = url.rstrip("/")
        host, _, port = self.url.split("://", 1)[1].partition(":")
        for name, decl in self.topology.services.items():
            meta = {**decl.meta, "prefix": self.prefixes[name], "specmock": "mesh"}
            self.registry.register(Instance(name, name, host, int(port or 80), decl.tags, meta))

    def target_of(self, call: CallDecl) -> tuple[str, str]:
        service, op_id = call.target.split(":", 1)
        op = self.operations[service][op_id]
        return op.method, call.path or concrete(op.path)

    def add_call(self, call: CallDecl) -> None:
        resolve(Topology(calls=[call]), {n: set(o) for n, o in self.operations.items()})
        self.topology.add_call(call)
        self._hook(call.caller)

    # -- the hop ------------------------------------------------------------------------

    def _hook(self, ref: str) -> None:
        """Install the override that calls downstreams, once per calling operation."""
        if ref in self._hooked:
            return
        self._hooked.add(ref)
        service, op_id = ref.split(":", 1)
        op = self.operations[service][op_id]
        if not any(s.startswith("5") or s == "default" for s in op.responses):
            log.warning(
                "%s calls downstreams but declares no 5xx or default response; a failed "
                "call makes it answer specmock's contract-break 500",
                ref,
            )
        self.app.overrides.register(ref, self._handler(op, self.app.overrides.find(op)))

    def _handler(self, op: Operation, previous: Callable[..., Any] | None) -> Any:
        async def call_downstreams(ctx: Context) -> Any:
            span = CURRENT.get()
            calls = self.topology.calls_from(ctx.service, ctx.operation_id)
            hops = _int(ctx.headers.get(HOPS))
            if span is not None and calls:
                if self.topology.max_hops is not None and hops >= self.topology.max_hops:
                    span.attributes["hop_limit"] = self.topology.max_hops
                    calls = []
                failed = await self._call_all(calls, span, hops + 1)
                if failed is not None:
                    return self._failure(ctx, failed)
            return await hooks.call(previous, ctx) if previous else None

        return call_downstreams

    async def _call_all(self, calls: list[CallDecl], span: Span, hops: int) -> Outcome | None:
        """In declaration order; neighbouring `parallel` calls go out together. The first
        failure (in declaration order) stops the rest."""
        groups: list[list[CallDecl]] = []
        for call in calls:
            if call.asynchronous:
                self.caller.send_async(call, span, hops)
            elif call.parallel and groups and groups[-1][-1].parallel:
                groups[-1].append(call)
            else:
                groups.append([call])
        for group in groups:
            outcomes = await asyncio.gather(*(self.caller.call(c, span, hops) for c in group))
            failed = next((o for o in outcomes if o.failed), None)
            if failed is not None:
                return failed
        return None

    def _failure(self, ctx: Context, outcome: Outcome) -> Reply:
        """A declared error status for a failed downstream, its body from the contract."""
        declared = ctx.operation.responses
        status = outcome.answer_status
        if str(status) not in declared and not {"5XX", "default"} & set(declared):
            status = next((s for s in _FAILURE_STATUSES if str(s) in declared), status)
        body = ctx.generate(status)
        if isinstance(body, dict) and "error" in body:
            body["error"] = outcome.detail[:200]
        return Reply(body, status=status)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, _closing(receive, self.close), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.url is None and scope.get("server"):
            self.bind("http://{}:{}".format(*scope["server"]))
        path = scope["path"]
        if path.startswith("/v1/"):
            await self.consul(scope, receive, send)
            return
        match = None if path.startswith(core_admin.PREFIX) else self.app.router.match(path)
        if match is None:
            await self.app(scope, receive, send)
            return
        await self._hop(scope, receive, send, match.entry.service.name, match.entry.methods)

    async def _hop(
        self, scope: dict, receive: Any, send: Any, service: str, methods: dict[str, Operation]
    ) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        parent = tracing.parse(headers)
        op = methods.get(scope["method"])
        name = f"{service}:{op.operation_id}" if op else f"{service} {scope['method']}"
        span = self.tracer.start(name, "server", service, parent)
        span.attributes.update(hop=_int(headers.get(HOPS)), path=scope["path"])
        if headers.get(CALLER):
            span.attributes["caller"] = headers[CALLER]
        if parent is None and any(h in headers for h in ("traceparent", "b3", "x-b3-traceid")):
            span.attributes["context"] = "corrupt trace context; started a new trace"
        effect = self.chaos.effect(service)
        span.faults.extend(effect.faults)
        if effect.delay_ms:
            await asyncio.sleep(effect.delay_ms / 1000)
        extra = [
            (b"traceparent", tracing.outbound(self.tracer.context(span))["traceparent"].encode())
        ]
        status = _declared_failure(op, effect.status) if effect.status and op else effect.status
        if effect.outage or (effect.status and status is None):
            extra.append((b"x-specmock-fault", b"reset"))  # no 5xx declared: fail the connection
            if not effect.outage:
                span.faults.append(f"{name} declares no 5xx: reset")
        elif status:
            extra.append((b"x-specmock-fault", str(status).encode()))
        replaced = {b"traceparent", b"x-specmock-fault"} if len(extra) > 1 else {b"traceparent"}
        inner = {
            **scope,
            "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in replaced] + extra,
        }
        token = CURRENT.set(span)
        try:
            await self.app(inner, receive, send)
        finally:
            CURRENT.reset(token)
            fault = inner.get("specmock.fault")
            if fault and f"{fault}" not in " ".join(span.faults):
                span.faults.append(str(fault))
            if fault in CONNECTION_FAULTS:  # no status reached the caller
                span.finish(None, f"connection fault: {fault}")
            else:
                span.finish(inner.get("specmock.status"))
            self.tracer.record(span)

    async def close(self) -> None:
        """Shut the HTTP pool and flush span exporters (at lifespan shutdown)."""
        await self.caller.close()
        for exporter in self.tracer.exporters:
            if hasattr(exporter, "shutdown"):
                exporter.shutdown()

    # -- health, for the graph ----------------------------------------------------------

    def health(self, service: str) -> str:
        if self.chaos.down(service):
            return "down"
        instances = self.registry.lookup(service, passing_only=False)
        if not instances:
            return "unregistered" if self.url else "not started"
        states = {self.registry.health(i) for i in instances}
        return "passing" if "passing" in states else sorted(states)[0]


def _declared_failure(op: Operation, wanted: int) -> int | None:
    """The burst's status if the operation declares it (or 5XX/default), else its first 5xx."""
    if op.response_for(wanted) is not None:
        return wanted
    return next((int(s) for s in sorted(op.responses) if s.isdigit() and s[0] == "5"), None)


def _source(spec: str) -> Path:
    """A spec file, or the file of a bundled spec name such as `petstore`."""
    return expand([spec])[0]


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _closing(receive: Any, close: Callable[[], Any]) -> Any:
    """A lifespan receive that closes the shared HTTP pool at shutdown."""

    async def wrapped() -> dict:
        message = await receive()
        if message.get("type") == "lifespan.shutdown":
            await close()
        return message

    return wrapped


def load_mesh(
    source: str | Path | dict[str, Any],
    seed: int | None = None,
    clock: Clock | None = None,
    quiet: bool = True,
) -> Mesh:
    """A Mesh from a mesh file (or its parsed mapping)."""
    base = None
    if isinstance(source, dict):
        data = source
    else:
        path = Path(source)
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise MeshError(f"{source}: {exc}") from None
        base = path.resolve().parent
    known = {"services", "calls", "max_hops", "seed", "breakers", "scenarios", "stateful"}
    unknown = set(data) - known if isinstance(data, dict) else set()
    if unknown:
        raise MeshError(f"mesh: unknown field(s) {', '.join(sorted(unknown))}")
    topology = parse(data, base)
    return Mesh(
        topology,
        seed=seed if seed is not None else int(data.get("seed") or 0),
        breakers=data.get("breakers"),
        scenarios=data.get("scenarios"),
        clock=clock,
        quiet=quiet,
        stateful=data.get("stateful", True) is not False,
    )
