"""A Consul-compatible subset under /v1: catalog, health and agent, for discovery clients.

Enough of Consul's HTTP API for a client library (py-consul, python-consul) to
register and deregister services, pass TTL checks and discover healthy
instances. Answers carry `X-Consul-Index`; `?index=N&wait=5s` blocks until the
registry changes, as Consul's blocking queries do. Datacenter and node are fixed
("dc1", "specmock"): one agent, one node.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from .registry import (
    CRITICAL,
    PASSING,
    Instance,
    Registry,
    RegistryError,
    from_consul,
    parse_duration,
)

DATACENTER, NODE, NODE_ADDRESS = "dc1", "specmock", "127.0.0.1"


def _json(registry: Registry, value: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(value),
        status,
        {"X-Consul-Index": str(registry.index), "X-Consul-Knownleader": "true"},
        "application/json",
    )


def _error(status: int, text: str) -> Response:
    return Response(text, status, media_type="text/plain")


def _service(instance: Instance) -> dict[str, Any]:
    return {
        "ID": instance.id,
        "Service": instance.name,
        "Tags": instance.tags,
        "Meta": instance.meta,
        "Address": instance.address,
        "Port": instance.port,
        "Weights": {"Passing": 1, "Warning": 1},
        "EnableTagOverride": False,
        "Datacenter": DATACENTER,
    }


def _node() -> dict[str, Any]:
    return {"ID": "", "Node": NODE, "Address": NODE_ADDRESS, "Datacenter": DATACENTER, "Meta": {}}


def _checks(registry: Registry, instance: Instance) -> list[dict[str, Any]]:
    return [
        {
            "Node": NODE,
            "CheckID": c.id,
            "Name": c.name,
            "Status": registry.status(c),
            "Output": c.output,
            "ServiceID": instance.id,
            "ServiceName": instance.name,
            "ServiceTags": instance.tags,
            "Type": "ttl" if c.ttl is not None else "",
        }
        for c in instance.checks
    ]


def _catalog_entry(instance: Instance) -> dict[str, Any]:
    return {
        "Node": NODE,
        "Address": NODE_ADDRESS,
        "Datacenter": DATACENTER,
        "ServiceID": instance.id,
        "ServiceName": instance.name,
        "ServiceAddress": instance.address,
        "ServicePort": instance.port,
        "ServiceTags": instance.tags,
        "ServiceMeta": instance.meta,
    }


def _tagged(instances: list[Instance], request: Request) -> list[Instance]:
    tags = request.query_params.getlist("tag")
    return [i for i in instances if all(t in i.tags for t in tags)]


async def _block(registry: Registry, request: Request) -> None:
    index = request.query_params.get("index")
    if index and index.isdigit():
        wait = request.query_params.get("wait") or "5m"
        try:
            seconds = min(parse_duration(wait, "wait"), 600.0)
        except RegistryError:
            seconds = 300.0
        await registry.wait(int(index), seconds)


def app(registry: Registry) -> Router:
    """The /v1 routes, bound to one registry."""

    async def body(request: Request) -> Any:
        raw = await request.body()
        try:
            return orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError as exc:
            raise RegistryError(f"body: not valid JSON ({exc})") from None

    async def register(request: Request) -> Response:
        try:
            registry.register(from_consul(await body(request), registry.clock))
        except RegistryError as exc:
            return _error(400, str(exc))
        return _json(registry, None)

    async def deregister(request: Request) -> Response:
        service_id = request.path_params["service_id"]
        if not registry.deregister(service_id):
            return _error(404, f'Unknown service ID "{service_id}"')
        return _json(registry, None)

    async def update_check(request: Request) -> Response:
        action = request.path_params["action"]
        check_id = request.path_params["check_id"]
        note = request.query_params.get("note", "")
        if action == "update":
            data = {k.lower(): v for k, v in ((await body(request)) or {}).items()}
            status, note = str(data.get("status", PASSING)), str(data.get("output", ""))
        else:
            status = {"pass": PASSING, "warn": "warning", "fail": CRITICAL}[action]
        try:
            found = registry.update_check(check_id, status, note)
        except RegistryError as exc:
            return _error(400, str(exc))
        if not found:
            return _error(404, f'Unknown check ID "{check_id}"')
        return _json(registry, None)

    async def agent_services(request: Request) -> Response:
        return _json(registry, {i.id: _service(i) for i in registry.instances.values()})

    async def agent_service(request: Request) -> Response:
        instance = registry.instances.get(request.path_params["service_id"])
        if instance is None:
            return _error(404, "unknown service ID")
        return _json(registry, _service(instance))

    async def agent_checks(request: Request) -> Response:
        checks = {}
        for instance in registry.instances.values():
            for check in _checks(registry, instance):
                checks[check["CheckID"]] = check
        return _json(registry, checks)

    async def catalog_services(request: Request) -> Response:
        await _block(registry, request)
        return _json(registry, registry.names())

    async def catalog_service(request: Request) -> Response:
        await _block(registry, request)
        found = _tagged(registry.lookup(request.path_params["name"], False), request)
        return _json(registry, [_catalog_entry(i) for i in found])

    async def health_service(request: Request) -> Response:
        await _block(registry, request)
        passing = "passing" in request.query_params
        found = _tagged(registry.lookup(request.path_params["name"], passing), request)
        return _json(
            registry,
            [
                {"Node": _node(), "Service": _service(i), "Checks": _checks(registry, i)}
                for i in found
            ],
        )

    async def health_checks(request: Request) -> Response:
        found = registry.lookup(request.path_params["name"], False)
        return _json(registry, [c for i in found for c in _checks(registry, i)])

    async def health_state(request: Request) -> Response:
        state = request.path_params["state"]
        checks = [c for i in registry.instances.values() for c in _checks(registry, i)]
        return _json(registry, [c for c in checks if state == "any" or c["Status"] == state])

    async def catalog_nodes(request: Request) -> Response:
        return _json(registry, [_node()])

    async def datacenters(request: Request) -> Response:
        return _json(registry, [DATACENTER])

    async def leader(request: Request) -> Response:
        return _json(registry, f"{NODE_ADDRESS}:8300")

    async def agent_self(request: Request) -> Response:
        return _json(
            registry,
            {
                "Config": {"Datacenter": DATACENTER, "NodeName": NODE, "Server": True},
                "Member": {"Name": NODE, "Addr": NODE_ADDRESS, "Status": 1},
            },
        )

    return Router(
        [
            Route("/v1/agent/service/register", register, methods=["PUT"]),
            Route("/v1/agent/service/deregister/{service_id}", deregister, methods=["PUT"]),
            Route("/v1/agent/service/{service_id}", agent_service, methods=["GET"]),
            Route(
                "/v1/agent/check/{action:str}/{check_id:path}",
                _only(update_check, ("pass", "warn", "fail", "update")),
                methods=["PUT"],
            ),
            Route("/v1/agent/services", agent_services, methods=["GET"]),
            Route("/v1/agent/checks", agent_checks, methods=["GET"]),
            Route("/v1/agent/self", agent_self, methods=["GET"]),
            Route("/v1/catalog/services", catalog_services, methods=["GET"]),
            Route("/v1/catalog/service/{name}", catalog_service, methods=["GET"]),
            Route("/v1/catalog/nodes", catalog_nodes, methods=["GET"]),
            Route("/v1/catalog/datacenters", datacenters, methods=["GET"]),
            Route("/v1/health/service/{name}", health_service, methods=["GET"]),
            Route("/v1/health/checks/{name}", health_checks, methods=["GET"]),
            Route("/v1/health/state/{state}", health_state, methods=["GET"]),
            Route("/v1/status/leader", leader, methods=["GET"]),
        ]
    )


def _only(handler: Any, actions: tuple[str, ...]) -> Any:
    async def guarded(request: Request) -> Response:
        if request.path_params["action"] not in actions:
            return _error(404, f"no agent check action {request.path_params['action']!r}")
        return await handler(request)

    return guarded
