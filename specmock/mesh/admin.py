"""The mesh control plane under /__specmock/mesh, validated against `admin.yaml` here.

Mounted on the app's admin API the way /__specmock itself is served: a contract
checked by specmock, answered by handlers on the override API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..generator.build import load_service
from ..runtime import admin as core_admin
from ..runtime.hooks import Context, Reply
from . import graph
from .breakers import BreakerError
from .chaos import ChaosError, parse_scenario
from .parts import MeshParts
from .topology import MeshError, parse_call

PREFIX = "/mesh"
SPEC = Path(__file__).with_name("admin.yaml")


def _problem(status: int, detail: str) -> Reply:
    return Reply({"title": "Refused", "status": status, "detail": detail}, status=status)


def _status(message: str) -> int:
    """404 for a name the mesh does not know, 409 for a graph it refuses, else 400."""
    if any(
        m in message for m in ("no service", "has no operation", "not a mesh service", "no chaos")
    ):
        return 404
    if "already calls" in message or "circular" in message:
        return 409
    return 400


def install(mesh: MeshParts) -> None:
    """Mount the mesh operations on the mesh app's /__specmock."""
    service = load_service(SPEC, core_admin.NAME)
    mesh.app.add_admin(PREFIX, service, handlers(mesh))


def handlers(mesh: MeshParts) -> dict[str, Any]:
    topology = mesh.topology

    def get_topology(ctx: Context) -> Reply:
        services = [
            {
                "name": name,
                "prefix": mesh.prefixes[name],
                "health": mesh.health(name),
                "operations": sorted(mesh.operations[name]),
            }
            for name in topology.services
        ]
        return Reply(
            {
                "services": services,
                "calls": [c.as_dict() for c in topology.calls],
                "max_hops": topology.max_hops,
                "cycle": topology.cycle(),
            }
        )

    def add_call(ctx: Context) -> Reply:
        try:
            call = parse_call(ctx.body)
            mesh.add_call(call)
        except MeshError as exc:
            return _problem(_status(str(exc)), str(exc))
        return Reply(call.as_dict(), status=201)

    def remove_call(ctx: Context) -> Reply:
        caller, target = ctx.params["from"], ctx.params["to"]
        if topology.remove_call(caller, target):
            return Reply(status=204)
        return _problem(404, f"{caller} does not call {target}")

    def get_graph(ctx: Context) -> Reply:
        render = graph.mermaid if ctx.params.get("format") == "mermaid" else graph.dot
        text = render(list(topology.services), topology.edges(), mesh.health, mesh.breakers.state)
        return Reply(text)

    def list_traces(ctx: Context) -> Reply:
        return Reply(mesh.tracer.summaries(ctx.params.get("limit") or 100))

    def clear_traces(ctx: Context) -> Reply:
        mesh.tracer.clear()
        return Reply(status=204)

    def get_trace(ctx: Context) -> Reply:
        spans = mesh.tracer.find(ctx.params["traceId"])
        if not spans:
            return _problem(404, f"no trace {ctx.params['traceId']} is kept")
        return Reply({"trace_id": ctx.params["traceId"], "spans": [s.as_dict() for s in spans]})

    def list_breakers(ctx: Context) -> Reply:
        return Reply([b.as_dict() for _, b in sorted(mesh.breakers.breakers.items())])

    def set_breaker(ctx: Context) -> Reply:
        edge = ctx.params["edge"]
        if tuple(edge.split("->", 1)) not in topology.edges():
            return _problem(404, f"no dependency edge {edge!r} in the mesh")
        breaker = mesh.breakers.get(edge)
        try:
            breaker.force(ctx.body["state"])
        except BreakerError as exc:
            return _problem(400, str(exc))
        return Reply(breaker.as_dict())

    def get_chaos(ctx: Context) -> Reply:
        return Reply(mesh.chaos.as_dict())

    def start_chaos(ctx: Context) -> Reply:
        body = ctx.body
        try:
            if "scenario" in body:
                mesh.chaos.start_named(body["scenario"])
            else:
                events, _ = parse_scenario(body["events"], "events", set(topology.services))
                mesh.chaos.start(events, body.get("seed"))
        except ChaosError as exc:
            return _problem(_status(str(exc)), str(exc))
        return Reply(mesh.chaos.as_dict())

    def stop_chaos(ctx: Context) -> Reply:
        mesh.chaos.stop()
        return Reply(status=204)

    def list_instances(ctx: Context) -> Reply:
        registry = mesh.registry
        return Reply(
            [
                {
                    "id": i.id,
                    "name": i.name,
                    "address": i.address,
                    "port": i.port,
                    "tags": i.tags,
                    "meta": i.meta,
                    "health": registry.health(i),
                }
                for i in registry.instances.values()
            ]
        )

    return {
        "getMeshTopology": get_topology,
        "addMeshCall": add_call,
        "removeMeshCall": remove_call,
        "getMeshGraph": get_graph,
        "listTraces": list_traces,
        "clearTraces": clear_traces,
        "getTrace": get_trace,
        "listBreakers": list_breakers,
        "setBreaker": set_breaker,
        "getChaos": get_chaos,
        "startChaos": start_chaos,
        "stopChaos": stop_chaos,
        "listInstances": list_instances,
    }
