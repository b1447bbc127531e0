"""Mesh discovery with a real Consul client library, and OTLP export to a real receiver."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import consul
import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from specmock import VirtualClock
from specmock.mesh import load_mesh
from specmock.mesh.otlp import OtlpExporter
from specmock.testing import serve_asgi

START = 1_800_000_000.0
MESH = {
    "services": {
        "shop": {"operations": {"browse": "GET /items"}, "tags": ["web"], "meta": {"team": "a"}},
        "billing": {"operations": {"charge": "POST /charges"}},
    },
    "calls": [{"from": "shop:browse", "to": "billing:charge", "body": {"amount": 3}}],
}


def _client(url: str) -> consul.Consul:
    parts = urlsplit(url)
    return consul.Consul(host=parts.hostname, port=parts.port)


def test_a_consul_client_discovers_mesh_services_and_registrations():
    mesh = load_mesh(MESH, clock=VirtualClock(START))
    with serve_asgi(mesh) as url:
        c = _client(url)
        _, services = c.catalog.services()
        assert services == {"billing": [], "shop": ["web"]}
        _, nodes = c.health.service("shop", passing=True)
        assert [n["Service"]["Meta"] for n in nodes] == [
            {"team": "a", "prefix": "/shop", "specmock": "mesh"}
        ]
        port = nodes[0]["Service"]["Port"]
        assert httpx.get(f"http://127.0.0.1:{port}/shop/items").status_code == 200

        check = consul.Check.ttl("10s")
        assert c.agent.service.register(
            "search", service_id="search-1", address="10.0.0.5", port=9200, tags=["v2"], check=check
        )
        index, found = c.catalog.service("search")
        assert [(s["ServiceID"], s["ServiceAddress"], s["ServicePort"]) for s in found] == [
            ("search-1", "10.0.0.5", 9200)
        ]
        assert c.health.service("search", passing=True)[1] == []  # a TTL check starts critical
        assert c.agent.check.ttl_pass("service:search-1")
        healthy = c.health.service("search", passing=True)[1]
        assert [n["Service"]["ID"] for n in healthy] == ["search-1"]
        assert healthy[0]["Checks"][0]["Status"] == "passing"

        httpx.post(url + "/__specmock/clock", json={"advance": 11}).raise_for_status()
        assert c.health.service("search", passing=True)[1] == []  # the TTL ran out
        instances = httpx.get(url + "/__specmock/mesh/registry").json()
        assert {i["id"]: i["health"] for i in instances}["search-1"] == "critical"

        assert c.agent.service.deregister("search-1")
        assert c.catalog.service("search")[1] == []
        assert int(c.catalog.services()[0]) > int(index)


def test_deregistering_a_dependency_makes_its_callers_fail():
    mesh = load_mesh(MESH, clock=VirtualClock(START))
    with serve_asgi(mesh) as url:
        assert httpx.get(url + "/shop/items").status_code == 200
        assert _client(url).agent.service.deregister("billing")
        answer = httpx.get(url + "/shop/items")
        assert answer.status_code == 503
        assert "no healthy instance of billing" in answer.json()["error"]


def test_a_blocking_query_returns_when_the_registry_changes():
    mesh = load_mesh(MESH, clock=VirtualClock(START))
    with serve_asgi(mesh) as url:
        c = _client(url)
        index, _ = c.catalog.services()
        with httpx.Client() as http:
            register = {"Name": "late", "Port": 1}
            http.put(url + "/v1/agent/service/register", json=register).raise_for_status()
            answer = http.get(url + "/v1/catalog/services", params={"index": index, "wait": "5s"})
        assert "late" in answer.json()
        assert int(answer.headers["X-Consul-Index"]) > int(index)
        bad = httpx.put(url + "/v1/agent/service/register", json={"Port": 1})
        assert bad.status_code == 400 and "Name" in bad.text


def test_spans_are_exported_over_otlp_to_a_collector():
    received: list[ExportTraceServiceRequest] = []

    async def collect(request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        received.append(message)
        return Response(b"", 200, media_type="application/x-protobuf")

    collector = Router([Route("/v1/traces", collect, methods=["POST"])])
    mesh = load_mesh(MESH)
    with serve_asgi(collector) as collector_url:
        exporter = OtlpExporter(collector_url + "/v1/traces")
        mesh.tracer.exporters.append(exporter)
        with serve_asgi(mesh) as url:
            trace = "4bf92f3577b34da6a3ce929d0e0e4736"
            headers = {"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
            assert httpx.get(url + "/shop/items", headers=headers).status_code == 200
            exporter.flush()
    spans: dict[str, list] = {}
    for message in received:
        for resource in message.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
            found = [span for scope in resource.scope_spans for span in scope.spans]
            spans.setdefault(attributes["service.name"], []).extend(found)
    assert set(spans) == {"shop", "billing"}
    names = sorted(span.name for found in spans.values() for span in found)
    assert names == ["billing:charge", "billing:charge", "shop:browse"]
    assert {span.trace_id.hex() for found in spans.values() for span in found} == {trace}


def test_the_cli_refuses_a_broken_mesh_file(tmp_path):
    mesh_file = tmp_path / "mesh.yaml"
    mesh_file.write_text("services:\n  a: {operations: {x: 'GET /x'}}\ncalls: [{from: a}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "specmock", "mesh", str(mesh_file), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "calls[0].from: must be `service:operationId`" in result.stderr


def test_the_cli_serves_the_example_mesh():
    with socket.socket() as probe:  # a free port for the child to bind
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    example = Path(__file__).resolve().parent.parent / "examples" / "mesh.yaml"
    cmd = [sys.executable, "-m", "specmock", "mesh", str(example), "--port", str(port), "--quiet"]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        answer = None
        for _ in range(300):  # until the child is up
            if child.poll() is not None:
                raise AssertionError(child.stderr.read() if child.stderr else "exited")
            try:
                answer = httpx.get(url + "/gateway/home")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None and answer.status_code == 200
        assert answer.json() == {"service": "gateway", "ok": True}
        _, nodes = _client(url).health.service("db", passing=True)
        assert nodes[0]["Service"]["Meta"]["tier"] == "data"
        started = httpx.post(url + "/__specmock/mesh/chaos", json={"scenario": "db-down"})
        assert started.json()["scenario"] == "db-down"
    finally:
        child.terminate()
        child.wait(timeout=30)
