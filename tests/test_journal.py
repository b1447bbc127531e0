"""The journal: what the mock received, queried, counted, exported; metrics and health."""

from __future__ import annotations

from .conftest import client_for


def _client():
    client = client_for("petstore")
    client.post("/pets", json={"name": "Rex"})
    client.post("/pets", json={"name": "Tom"})
    client.post("/pets", json={"tag": 1})
    client.get("/pets/1", headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"})
    client.get("/pest/1")
    return client


def test_count_and_verify_what_was_received():
    client = _client()
    count = client.get("/__specmock/requests/count?method=POST&path=/pets").json()
    assert count == {"count": 3}
    refused = client.get("/__specmock/requests?operation=createPet&status=400").json()
    assert len(refused) == 1 and refused[0]["violations"][0]["pointer"] in ("/name", "/tag")
    by_body = client.get("/__specmock/requests/count?field=name&value=Tom").json()
    assert by_body == {"count": 1}
    traced = client.get("/__specmock/requests?operation=showPetById").json()[0]
    assert traced["trace_id"] == "a" * 32 and traced["response_body"].startswith("{")


def test_unmatched_requests_list_their_nearest_operations():
    misses = _client().get("/__specmock/requests/unmatched").json()
    assert len(misses) == 1 and misses[0]["request"]["path"] == "/pest/1"
    assert misses[0]["nearest"][0]["path"] == "/pets/{petId}"


def test_har_export_and_clear():
    client = _client()
    har = client.get("/__specmock/requests/har").json()
    entries = har["log"]["entries"]
    assert len(entries) == 5 and entries[0]["request"]["method"] == "POST"
    assert entries[0]["request"]["postData"]["text"] == '{"name":"Rex"}'
    assert client.delete("/__specmock/requests").status_code == 204
    assert client.get("/__specmock/requests/count").json() == {"count": 0}


def test_journal_is_bounded():
    client = client_for("petstore", stateful=False)
    client.app.journal._entries = type(client.app.journal._entries)(maxlen=3)
    for i in range(10):
        client.get(f"/pets/{i + 1}")
    assert [e.path for e in client.app.journal.find()] == ["/pets/8", "/pets/9", "/pets/10"]


def test_metrics_and_health():
    client = _client()
    text = client.get("/__specmock/metrics").text
    assert 'specmock_requests_total{service="petstore",operation="createPet",method="POST",' \
           'status="201"} 2' in text
    assert 'specmock_request_validation_failures_total{service="petstore",' \
           'operation="createPet"} 1' in text
    assert "specmock_request_seconds_bucket" in text
    assert client.get("/__specmock/health/ready").json()["status"] == "ok"


def test_replay_sends_a_recorded_request_again():
    client = client_for("petstore")
    client.post("/pets", json={"name": "Rex"})
    first = client.get("/__specmock/requests?operation=createPet").json()[0]
    replayed = client.post(f"/__specmock/requests/{first['id']}/replay").json()
    assert replayed["id"] != first["id"] and replayed["operation"] == "createPet"
    assert replayed["request_body"] == first["request_body"]
    assert [p["name"] for p in client.get("/pets").json()] == ["Rex", "Rex"]
    assert client.post("/__specmock/requests/9999/replay").status_code == 404


def test_journal_file_gets_one_json_line_per_exchange(tmp_path):
    import json

    log = tmp_path / "journal.jsonl"
    client = client_for("petstore", journal_file=log)
    client.post("/pets", json={"name": "Rex"})
    client.get("/pets/1")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["method"], e["status"]) for e in lines] == [("POST", 201), ("GET", 200)]
    assert lines[0]["request_body"] == '{"name":"Rex"}'


def test_a_limit_past_64_bits_is_a_limit_not_a_crash(petstore):
    petstore.get("/pets/1")
    found = petstore.get("/__specmock/requests", params={"limit": str(2**100)})
    assert found.status_code == 200 and [e["path"] for e in found.json()] == ["/pets/1"]
