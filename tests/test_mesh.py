"""Mesh mode: a 5-service chain served for real, its calls going over HTTP.

Time-dependent behaviour (breaker open timeout, chaos timeline, TTL checks) runs
on a virtual clock moved through the admin API, never by sleeping.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

import httpx
import pytest

from specmock import VirtualClock
from specmock.mesh import MeshError, load_mesh
from specmock.mesh.tracing import parse
from specmock.testing import serve_asgi

CHAIN = ["edge", "api", "orders", "stock", "db"]
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
START = 1_800_000_000.0


def chain(**extra: Any) -> dict[str, Any]:
    """edge -> api -> orders -> stock -> db, each a tiny generated service."""
    return {
        "services": {n: {"operations": {f"get_{n}": f"GET /{n}/{{id}}"}} for n in CHAIN},
        "calls": [{"from": f"{a}:get_{a}", "to": f"{b}:get_{b}"} for a, b in pairwise(CHAIN)],
        **extra,
    }


@contextmanager
def running(doc: dict[str, Any], seed: int = 1) -> Iterator[httpx.Client]:
    mesh = load_mesh(doc, seed=seed, clock=VirtualClock(START))
    with serve_asgi(mesh) as url, httpx.Client(base_url=url, timeout=10) as client:
        client.mesh = mesh  # type: ignore[attr-defined]
        yield client


def root(client: httpx.Client, trace: str | None = None, **headers: str) -> httpx.Response:
    if trace:
        headers["traceparent"] = f"00-{trace}-{PARENT}-01"
    return client.get("/edge/edge/7", headers=headers)


def advance(client: httpx.Client, seconds: float) -> None:
    client.post("/__specmock/clock", json={"advance": seconds}).raise_for_status()


def spans(client: httpx.Client, trace: str) -> list[dict[str, Any]]:
    answer = client.get(f"/__specmock/mesh/traces/{trace}")
    assert answer.status_code == 200, answer.text
    return answer.json()["spans"]


def db_requests(client: httpx.Client) -> int:
    return client.get("/__specmock/requests/count", params={"service": "db"}).json()["count"]


def test_a_healthy_chain_answers_through_every_hop_in_one_trace():
    with running(chain()) as client:
        answer = root(client, TRACE)
        assert answer.status_code == 200
        assert answer.json() == {"service": "edge", "ok": True}
        found = spans(client, TRACE)
        servers = [s for s in found if s["kind"] == "server"]
        assert [s["service"] for s in servers] == CHAIN
        assert len([s for s in found if s["kind"] == "client"]) == 4
        assert {s["trace_id"] for s in found} == {TRACE}
        ids = {s["span_id"] for s in found}
        assert servers[0]["parent_id"] == PARENT
        assert all(s["parent_id"] in ids for s in found if s is not servers[0])
        assert [s["attributes"]["hop"] for s in servers] == [0, 1, 2, 3, 4]
        journal = client.get("/__specmock/requests", params={"service": "db"}).json()
        assert journal[0]["trace_id"] == TRACE  # the engine's journal links each hop too


def test_a_fault_at_the_leaf_surfaces_at_the_root_with_one_trace():
    with running(chain()) as client:
        client.post("/__specmock/faults", json={"service": "db", "status": 503}).raise_for_status()
        answer = root(client, TRACE)
        assert answer.status_code == 502
        assert answer.json() == {"service": "edge", "error": "api answered 502"}
        found = spans(client, TRACE)
        leaf = next(s for s in found if s["kind"] == "server" and s["service"] == "db")
        assert leaf["status"] == 503 and leaf["faults"] == ["status 503"]
        statuses = [s["status"] for s in found if s["kind"] == "server"]
        assert statuses == [502, 502, 502, 502, 503]
        assert {s["trace_id"] for s in found} == {TRACE}
        summary = client.get("/__specmock/mesh/traces").json()[0]
        assert summary == {
            "trace_id": TRACE,
            "root": "edge:get_edge",
            "spans": 9,
            "services": sorted(CHAIN),
            "failed": True,
            "duration_ms": summary["duration_ms"],
        }


@pytest.mark.parametrize(
    "headers",
    [
        {"x-b3-traceid": TRACE, "x-b3-spanid": PARENT, "x-b3-sampled": "1"},
        {"b3": f"{TRACE}-{PARENT}-1"},
        {"traceparent": f"00-{TRACE}-{PARENT}-01", "tracestate": "vendor=1"},
    ],
)
def test_w3c_and_b3_context_is_continued(headers):
    with running(chain()) as client:
        assert client.get("/edge/edge/1", headers=headers).status_code == 200
        found = spans(client, TRACE)
        assert len(found) == 9
        assert found[0]["parent_id"] == PARENT


@pytest.mark.parametrize(
    "value", ["00-zz-00f067aa0ba902b7-01", "garbage", f"00-{'0' * 32}-{PARENT}-01", "ff-x-y-z"]
)
def test_corrupt_context_starts_a_new_trace_and_never_fails(value):
    with running(chain()) as client:
        assert client.get("/edge/edge/1", headers={"traceparent": value}).status_code == 200
        trace = client.get("/__specmock/mesh/traces").json()[0]
        assert trace["spans"] == 9 and trace["trace_id"] != TRACE
        first = spans(client, trace["trace_id"])[0]
        assert first["parent_id"] is None
        assert "corrupt" in first["attributes"]["context"]


def test_context_parsing_pads_64_bit_b3_trace_ids():
    parsed = parse({"x-b3-traceid": "a3ce929d0e0e4736", "x-b3-spanid": PARENT})
    assert parsed is not None and parsed.trace_id == "0" * 16 + "a3ce929d0e0e4736"
    assert parse({"b3": "0"}) is None


def test_a_breaker_opens_short_circuits_half_opens_and_closes():
    breakers = {
        "default": {"consecutive_failures": 1000},
        "edges": {"stock->db": {"consecutive_failures": 3, "open_seconds": 30}},
    }
    with running(chain(breakers=breakers)) as client:
        client.post("/__specmock/faults", json={"service": "db", "status": 503}).raise_for_status()
        for _ in range(3):
            assert root(client).status_code == 502
        assert db_requests(client) == 3
        breaker = client.get("/__specmock/mesh/breakers").json()
        state = {b["edge"]: b["state"] for b in breaker}
        assert state["stock->db"] == "open" and state["edge->api"] == "closed"

        answer = root(client, TRACE)  # short-circuited: db is not called
        assert answer.status_code == 502
        assert db_requests(client) == 3
        call = next(s for s in spans(client, TRACE) if s["name"] == "db:get_db")
        assert call["faults"] == ["breaker"] and call["status"] is None
        assert "circuit breaker stock->db is open" in call["error"]

        client.delete("/__specmock/faults").raise_for_status()
        advance(client, 29)
        assert root(client).status_code == 502  # still open
        advance(client, 1)
        graph = client.get("/__specmock/mesh/graph").text
        assert '"stock" -> "db" [label="half_open"' in graph
        assert root(client).status_code == 200  # the half-open probe succeeds
        assert db_requests(client) == 4
        breaker = next(
            b for b in client.get("/__specmock/mesh/breakers").json() if b["edge"] == "stock->db"
        )
        assert breaker["state"] == "closed"
        moves = [(t["from"], t["to"]) for t in breaker["transitions"]]
        assert moves == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_a_failed_half_open_probe_reopens_and_flapping_backs_off():
    breakers = {
        "default": {"consecutive_failures": 1000},
        "edges": {
            "stock->db": {
                "consecutive_failures": 1,
                "open_seconds": 10,
                "flap_opens": 2,
                "flap_seconds": 100,
            }
        },
    }
    with running(chain(breakers=breakers)) as client:
        client.post("/__specmock/faults", json={"service": "db", "status": 503}).raise_for_status()
        root(client)
        advance(client, 10)
        root(client)  # the probe fails: open again, the second open within 100 s
        breaker = client.get("/__specmock/mesh/breakers").json()[-1]
        assert breaker["edge"] == "stock->db" and breaker["state"] == "open"
        assert breaker["opens_until"] == START + 10 + 20  # backoff doubled the open timeout
        assert "flapping" in breaker["transitions"][-1]["reason"]


def test_breakers_are_settable_through_the_admin_api():
    with running(chain()) as client:
        answer = client.put("/__specmock/mesh/breakers/api->orders", json={"state": "open"})
        assert answer.status_code == 200 and answer.json()["state"] == "open"
        assert root(client).status_code == 502
        assert (
            client.put("/__specmock/mesh/breakers/api->db", json={"state": "open"}).status_code
            == 404
        )
        bad = client.put("/__specmock/mesh/breakers/api->orders", json={"state": "ajar"})
        assert bad.status_code == 400
        client.put("/__specmock/mesh/breakers/api->orders", json={"state": "closed"})
        assert root(client).status_code == 200


def test_a_partition_isolates_a_group_and_heals():
    with running(chain()) as client:
        events = [
            {
                "kind": "partition",
                "at": 5,
                "duration": 10,
                "groups": [["edge", "api"], ["orders", "stock", "db"]],
            }
        ]
        assert client.post("/__specmock/mesh/chaos", json={"events": events}).status_code == 200
        assert root(client).status_code == 200
        advance(client, 5)
        answer = root(client, TRACE)
        assert answer.status_code == 502
        call = next(s for s in spans(client, TRACE) if s["name"] == "orders:get_orders")
        assert call["faults"] == ["partition"]
        # inside a side, calls still work
        assert client.get("/orders/orders/1").status_code == 200
        advance(client, 10)
        assert root(client).status_code == 200


def test_a_chaos_timeline_outage_and_latency_spike():
    scenarios = {
        "cascade": {
            "events": [
                {"kind": "latency", "service": "db", "at": 0, "duration": 10, "ms": 5},
                {"kind": "outage", "service": "orders", "at": 10, "duration": 5},
            ]
        }
    }
    with running(chain(scenarios=scenarios)) as client:
        started = client.post("/__specmock/mesh/chaos", json={"scenario": "cascade"})
        assert started.json()["active"][0]["kind"] == "latency"
        assert root(client, TRACE).status_code == 200
        leaf = spans(client, TRACE)[-1]
        assert leaf["service"] == "db" and leaf["faults"] == ["latency 5 ms"]
        advance(client, 10)
        topology = client.get("/__specmock/mesh/topology").json()
        health = {s["name"]: s["health"] for s in topology["services"]}
        assert health["orders"] == "down" and health["db"] == "passing"
        answer = root(client, "1" * 32)
        assert answer.status_code == 502
        call = next(s for s in spans(client, "1" * 32) if s["name"] == "orders:get_orders")
        assert call["faults"] == ["connection"]
        advance(client, 5)
        assert root(client).status_code == 200
        assert client.delete("/__specmock/mesh/chaos").status_code == 204
        assert client.post("/__specmock/mesh/chaos", json={"scenario": "nope"}).status_code == 404


def _burst_pattern(seed: int) -> list[int]:
    events = [{"kind": "errors", "service": "db", "probability": 0.5, "status": 503}]
    doc = chain(breakers={"default": {"consecutive_failures": 1000}})
    with running(doc, seed=seed) as client:
        client.post("/__specmock/mesh/chaos", json={"events": events}).raise_for_status()
        return [root(client).status_code for _ in range(24)]


def test_the_same_seed_gives_the_same_failure_pattern():
    first = _burst_pattern(7)
    assert set(first) == {200, 502}
    assert _burst_pattern(7) == first
    assert _burst_pattern(8) != first


def test_cycles_are_reported_or_cut_by_the_hop_limit():
    doc = chain()
    doc["calls"].append({"from": "db:get_db", "to": "api:get_api"})
    with pytest.raises(MeshError, match=r"circular dependency .*max_hops"):
        load_mesh(doc)
    doc["max_hops"] = 6
    with running(doc) as client:
        assert root(client, TRACE).status_code == 200
        found = spans(client, TRACE)
        servers = [s for s in found if s["kind"] == "server"]
        assert len(servers) == 7  # edge + 6 hops, then the loop stops
        assert servers[-1]["attributes"]["hop_limit"] == 6
        cycle = client.get("/__specmock/mesh/topology").json()["cycle"]
        assert cycle[0] == cycle[-1]


def test_the_graph_changes_at_run_time():
    doc = chain()
    doc["services"]["audit"] = {"operations": {"record": "POST /events"}}
    with running(doc) as client:
        call = {"from": "orders:get_orders", "to": "audit:record", "async": True, "body": {"a": 1}}
        assert client.post("/__specmock/mesh/calls", json=call).status_code == 201
        assert client.post("/__specmock/mesh/calls", json=call).status_code == 409
        cyclic = {"from": "db:get_db", "to": "edge:get_edge"}
        refused = client.post("/__specmock/mesh/calls", json=cyclic)
        assert refused.status_code == 409 and "circular" in refused.json()["detail"]
        unknown = client.post("/__specmock/mesh/calls", json={"from": "db:get_db", "to": "x:y"})
        assert unknown.status_code == 404 and "no service 'x'" in unknown.json()["detail"]
        mermaid = client.get("/__specmock/mesh/graph", params={"format": "mermaid"}).text
        assert "s_orders -->|closed| s_audit" in mermaid
        assert root(client).status_code == 200
        gone = client.delete(
            "/__specmock/mesh/calls", params={"from": "api:get_api", "to": "orders:get_orders"}
        )
        assert gone.status_code == 204
        before = db_requests(client)
        assert root(client).status_code == 200
        assert db_requests(client) == before
        dot = client.get("/__specmock/mesh/graph").text
        assert '"api" -> "orders"' not in dot


def test_mesh_files_are_checked_field_by_field(tmp_path):
    cases = [
        ({"services": {}}, "services: must be a non-empty mapping"),
        ({"services": {"a": {}}}, "services.a: give exactly one of `spec` or `operations`"),
        ({"services": {"a": {"operations": {"x": "FETCH /"}}}}, "services.a.operations.x"),
        ({**chain(), "calls": [{"from": "edge", "to": "api:get_api"}]}, r"calls\[0\].from"),
        ({**chain(), "calls": [{"from": "edge:nope", "to": "api:get_api"}]}, "has no operation"),
        ({**chain(), "colour": 1}, "unknown field"),
        ({**chain(), "breakers": {"default": {"failure_rate": 2}}}, "failure_rate"),
        ({**chain(), "scenarios": {"s": [{"kind": "flood"}]}}, r"scenarios.s\[0\].kind"),
    ]
    for doc, message in cases:
        with pytest.raises(MeshError, match=message):
            load_mesh(doc)


def test_spec_services_take_part_and_async_messages_do_not_block(tmp_path):
    spec = tmp_path / "shop.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: shop, version: '1'}\n"
        "paths:\n  /basket:\n    get:\n      operationId: getBasket\n      responses:\n"
        "        '200': {description: ok, content: {application/json: {schema: {}}}}\n"
        "        '503': {description: down, content: {application/json: {schema: {}}}}\n"
    )
    mesh_file = tmp_path / "mesh.yaml"
    mesh_file.write_text(
        "services:\n"
        "  shop: {spec: shop.yaml}\n"
        "  pets: {spec: petstore}\n"
        "  audit: {operations: {record: POST /events}}\n"
        "calls:\n"
        "  - {from: 'shop:getBasket', to: 'pets:listPets'}\n"
        "  - {from: 'shop:getBasket', to: 'audit:record', async: true, body: {seen: 1}}\n"
    )
    mesh = load_mesh(mesh_file, clock=VirtualClock(START))
    with serve_asgi(mesh) as url, httpx.Client(base_url=url) as client:
        assert (
            client.get(
                "/shop/basket", headers={"traceparent": f"00-{TRACE}-{PARENT}-01"}
            ).status_code
            == 200
        )
        for _ in range(100):  # the message goes out in the background
            if any(s.kind == "producer" and s.end for s in mesh.tracer.find(TRACE)):
                break
            time.sleep(0.01)
        kinds = sorted((s.kind, s.name) for s in mesh.tracer.find(TRACE))
        assert ("producer", "audit:record") in kinds and ("server", "audit:record") in kinds
        sent = client.get("/__specmock/requests", params={"service": "audit"}).json()
        assert json.loads(sent[0]["request_body"]) == {"seen": 1}
        client.put("/__specmock/mesh/breakers/shop->audit", json={"state": "open"})
        client.put("/__specmock/mesh/breakers/shop->pets", json={"state": "open"})
        answer = client.get("/shop/basket")
        assert answer.status_code == 503  # the declared failure status of getBasket


def test_the_latch_policy_keeps_a_flapping_breaker_open_until_closed_by_hand():
    policy = {"consecutive_failures": 1, "open_seconds": 5, "flap_opens": 2, "flap_policy": "latch"}
    breakers = {"default": {"consecutive_failures": 1000}, "edges": {"stock->db": policy}}
    with running(chain(breakers=breakers)) as client:
        client.post("/__specmock/faults", json={"service": "db", "status": 503}).raise_for_status()
        root(client)
        advance(client, 5)
        root(client)  # the probe fails: second open within a minute, latched
        client.delete("/__specmock/faults")
        advance(client, 3600)
        assert root(client).status_code == 502
        breaker = client.get("/__specmock/mesh/breakers").json()[-1]
        assert breaker["latched"] and breaker["state"] == "open"
        client.put("/__specmock/mesh/breakers/stock->db", json={"state": "closed"})
        assert root(client).status_code == 200


def test_parallel_calls_go_out_together_and_the_first_failure_wins():
    doc = {
        "services": {
            "hub": {"operations": {"fan": "GET /fan"}},
            **{n: {"operations": {f"get_{n}": f"GET /{n}"}} for n in ("a", "b", "c", "d")},
        },
        "calls": [
            {"from": "hub:fan", "to": "a:get_a", "parallel": True},
            {"from": "hub:fan", "to": "b:get_b", "parallel": True},
            {"from": "hub:fan", "to": "c:get_c", "parallel": True},
            {"from": "hub:fan", "to": "d:get_d"},
        ],
    }
    with running(doc) as client:
        headers = {"traceparent": f"00-{TRACE}-{PARENT}-01"}
        assert client.get("/hub/fan", headers=headers).status_code == 200
        calls = {s["name"]: s for s in spans(client, TRACE) if s["kind"] == "client"}
        fanned = [calls[n] for n in ("a:get_a", "b:get_b", "c:get_c")]
        assert max(s["start"] for s in fanned) < min(s["end"] for s in fanned)  # overlapping
        assert calls["d:get_d"]["start"] >= max(s["end"] for s in fanned)  # after the group
        client.post("/__specmock/faults", json={"service": "b", "status": 503})
        answer = client.get("/hub/fan")
        assert answer.status_code == 502 and answer.json()["error"] == "b answered 503"
        assert client.get("/__specmock/requests/count", params={"service": "d"}).json() == {
            "count": 1
        }
