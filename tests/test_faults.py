"""Failure injection observed by a real HTTP client, seeded and reproducible."""

from __future__ import annotations

import statistics

import httpx
import pytest
from starlette.testclient import TestClient

from specmock import create_app

from .conftest import client_for

PET = "/pets/1"


@pytest.fixture
def live(specmock_server):
    return specmock_server("petstore", seed=7, stateful=False)


@pytest.mark.parametrize(("fault", "error"), [
    ("reset", (httpx.ReadError, httpx.RemoteProtocolError)),
    ("empty", httpx.RemoteProtocolError),
    ("truncated", httpx.RemoteProtocolError),
    ("malformed", httpx.RemoteProtocolError),
])
def test_connection_faults_reach_the_client(live, fault, error):
    with pytest.raises(error):
        httpx.get(live.url + PET, headers={"X-Specmock-Fault": fault}, timeout=5)
    assert httpx.get(live.url + PET).status_code == 200  # the server is fine afterwards


def test_timeout_fault_holds_the_answer(live):
    rule = {"operation": "showPetById", "fault": "timeout", "seconds": 5}
    assert httpx.post(live.url + "/__specmock/faults", json=rule).status_code == 201
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(live.url + PET, timeout=0.3)


def test_dribble_delivers_the_whole_body_slowly(live):
    rule = {"operation": "showPetById", "fault": "dribble", "seconds": 0.2}
    httpx.post(live.url + "/__specmock/faults", json=rule)
    response = httpx.get(live.url + PET)
    httpx.delete(live.url + "/__specmock/faults")
    assert response.status_code == 200 and response.json() == httpx.get(live.url + PET).json()


def test_declared_error_follows_the_spec_and_undeclared_goes_out_marked():
    client = client_for("petstore", stateful=False)
    client.post("/__specmock/faults", json={"operation": "showPetById", "status": 404})
    response = client.get(PET)
    body = response.json()
    assert response.status_code == 404 and {"code", "message"} <= set(body)
    assert body["message"] == "The requested resource does not exist."  # a sentence, no lorem
    client.put("/__specmock/faults", json={"operation": "showPetById", "status": 503})
    outage = client.get(PET)  # petstore declares no 503: sent anyway, strict or not
    assert outage.status_code == 503
    assert outage.headers["content-type"] == "application/problem+json"
    assert outage.json()["detail"] == "The service is temporarily unavailable; retry later."
    declared, outside = client.get("/__specmock/requests").json()[-2:]
    assert declared["contract"] == "injected" and declared["fault"] == "status 404"
    assert outside["contract"] == "injected, outside the contract"
    metrics = client.get("/__specmock/metrics").text
    assert ('specmock_injected_errors_total{service="petstore",operation="showPetById",'
            'status="503",contract="injected, outside the contract"} 1') in metrics


def test_sequences_first_and_every():
    client = client_for("petstore", stateful=False)
    client.post("/__specmock/faults", json={"id": "flaky", "operation": "showPetById",
                                            "first": 2, "status": 404})
    assert [client.get(PET).status_code for _ in range(3)] == [404, 404, 200]
    client.put("/__specmock/faults", json={"operation": "showPetById", "every": 3,
                                           "status": 404})
    assert [client.get(PET).status_code for _ in range(6)] == [200, 200, 404, 200, 200, 404]


def test_same_seed_same_fault_sequence():
    def run() -> list[int]:
        app = create_app("petstore", seed=11, stateful=False, quiet=True,
                         faults=[[{"probability": 0.5, "status": 404,
                                   "operation": "showPetById"}]])
        client = TestClient(app)
        return [client.get(PET).status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 10 < first.count(404) < 30  # roughly half


@pytest.mark.parametrize(("latency", "mean", "spread"), [
    ({"fixed": 3}, 3.0, 0.0),
    ({"uniform": [1, 5]}, 3.0, (5 - 1) / 12 ** 0.5),
    ({"normal": [4, 1]}, 4.0, 1.0),
    ({"lognormal": [1.0, 0.25]}, 2.718 * 1.0317, None),
])
def test_latency_distributions(latency, mean, spread):
    client = client_for("petstore", stateful=False)
    client.post("/__specmock/faults", json={"operation": "showPetById", "latency": latency})
    for _ in range(300):
        client.get(PET)
    delays = [e.delay_ms for e in client.app.journal.find()]
    assert len(delays) == 300
    assert statistics.mean(delays) == pytest.approx(mean, rel=0.1)
    if spread is not None:
        assert statistics.pstdev(delays) == pytest.approx(spread, abs=0.15 * (spread or 1))
    assert min(delays) >= 0


def test_headers_and_bad_rules_are_explained():
    client = client_for("petstore", stateful=False)
    assert client.get(PET, headers={"X-Specmock-Fault": "404"}).status_code == 404
    bad = client.get(PET, headers={"X-Specmock-Fault": "explode"})
    assert bad.status_code == 400 and "X-Specmock-Fault" in bad.text
    wrong = client.post("/__specmock/faults", json={"operation": "x", "latency": {"pareto": 1}})
    assert wrong.status_code == 400 and "pareto" in wrong.json()["errors"][0]["message"]
    assert client.post("/__specmock/faults", json={"statuz": 1}).status_code == 400


def test_scenarios_switch_rules_and_state(tmp_path):
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text(
        "outage:\n  faults:\n    - {operation: showPetById, status: 404}\n"
        "seeded:\n  fixtures: {petstore: {pets: [{id: 1, name: Rex}]}}\n")
    with client_for("petstore", scenarios=[scenarios]) as client:
        assert client.get("/__specmock/scenarios").json()["scenarios"] == ["outage", "seeded"]
        assert client.post("/__specmock/scenarios/seeded").json()["active"] == "seeded"
        assert client.get(PET).json()["name"] == "Rex"
        client.post("/__specmock/scenarios/outage")
        assert client.get(PET).status_code == 404
        assert client.post("/__specmock/scenarios/nope").status_code == 404


def test_a_posted_rule_can_be_deleted_by_its_id():
    client = client_for("petstore", stateful=False)
    created = client.post("/__specmock/faults", json={"status": 404}).json()[0]
    assert client.delete(f"/__specmock/faults/{created['id']}").status_code == 204
    assert client.delete(f"/__specmock/faults/{created['id']}").status_code == 404


def test_rule_latency_header_delay_and_held_connections_are_capped():
    from specmock.runtime.faults import Faults, Target, parse_rule

    rule = parse_rule({"latency": {"fixed": 10**9}, "fault": "timeout", "seconds": 10**6})
    faults = Faults(rules=[rule], max_delay_ms=1500)
    decision = faults.decide(Target("s", "op", "GET", "/p", "/p", {}, None))
    assert decision is not None and decision.delay_ms == 1500 and decision.seconds == 1.5
    header = faults.from_headers({"x-specmock-delay": "1000000000"})
    assert header is not None and header.delay_ms == 1500
    assert Faults().from_headers({"x-specmock-delay": "999999999"}).delay_ms == 60_000
