"""HTTP behaviours clients rely on: conditional requests, idempotency keys, rate limits, CORS."""

from __future__ import annotations

import pytest

from .conftest import TEST_SPECS, client_for

KEY = {"X-API-Key": "k"}
PATCH = {**KEY, "content-type": "application/merge-patch+json"}


def test_etag_if_none_match_and_if_match():
    client = client_for(TEST_SPECS / "petstore.yaml", credentials=["k"])
    created = client.post("/v1/pets", json={"name": "Rex"}, headers=KEY)
    tag = created.headers["etag"]
    read = client.get("/v1/pets/1")
    assert read.headers["etag"] == tag
    assert client.get("/v1/pets/1", headers={"If-None-Match": tag}).status_code == 304
    stale = client.patch("/v1/pets/1", json={"tag": "x"}, headers={**PATCH, "If-Match": '"old"'})
    assert stale.status_code == 412 and stale.json()["errors"][0]["rule"] == "precondition"
    fresh = client.patch("/v1/pets/1", json={"tag": "x"}, headers={**PATCH, "If-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != tag
    assert client.get("/v1/pets/1", headers={"If-None-Match": tag}).status_code == 200


def test_idempotency_key_replays_and_refuses_a_different_body():
    client = client_for("petstore")
    first = client.post("/pets", json={"name": "Rex"}, headers={"Idempotency-Key": "k1"})
    again = client.post("/pets", json={"name": "Rex"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(client.get("/pets").json()) == 1  # created once
    other = client.post("/pets", json={"name": "Tom"}, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422 and other.json()["errors"][0]["rule"] == "idempotency"


@pytest.mark.parametrize("state", ["memory://", "sqlite"])
@pytest.mark.parametrize("ttl", [None, 3600])
def test_an_idempotency_record_expires_after_its_ttl_on_the_app_clock(state, ttl, tmp_path):
    from specmock import VirtualClock
    from specmock.runtime.limits import Limits

    url = f"sqlite:///{tmp_path / 'state.db'}" if state == "sqlite" else state
    client = client_for(
        "petstore",
        state=url,
        clock=VirtualClock(start=1_700_000_000),
        limits=Limits.parse({"idempotency_ttl": str(ttl)} if ttl else {}),
    )
    key = {"Idempotency-Key": "k-ttl"}
    first = client.post("/pets", json={"name": "Rex"}, headers=key)
    client.post("/__specmock/clock", json={"advance": (ttl or 86400) - 1})  # a day by default
    again = client.post("/pets", json={"name": "Rex"}, headers=key)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    client.post("/__specmock/clock", json={"advance": 1})
    new = client.post("/pets", json={"name": "Tom"}, headers=key)  # another body: no 422
    assert new.status_code == 201 and "idempotent-replayed" not in new.headers
    assert new.json()["id"] != first.json()["id"]
    replayed = client.post("/pets", json={"name": "Tom"}, headers=key)  # the new record
    assert replayed.json() == new.json() and replayed.headers["idempotent-replayed"] == "true"


def test_records_that_ran_out_are_swept_as_new_ones_come():
    from specmock.runtime.behaviours import Idempotency
    from specmock.runtime.responder import Outgoing

    now = [0.0]
    kept = Idempotency(now=lambda: now[0], ttl=10)
    answer = Outgoing(201, b"{}", "application/json", [], None)
    for n in range(5):
        kept.remember("svc", f"old{n}", {}, answer)
    now[0] = 10.0
    kept.remember("svc", "new", {}, answer)
    assert list(kept._seen) == [("svc", "new")]  # the five that ran out are gone


def test_rate_limit_answers_429_with_retry_after_and_resets_on_the_clock():
    from specmock import VirtualClock

    client = client_for(
        "petstore", stateful=False, rate_limit="3/60", clock=VirtualClock(start=1_700_000_000)
    )
    statuses = [client.get("/pets/1", headers=KEY).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/pets/1", headers=KEY)
    assert int(limited.headers["retry-after"]) == 40
    assert client.get("/pets/1", headers={"X-API-Key": "other"}).status_code == 200
    client.post("/__specmock/clock", json={"advance": 60})
    assert client.get("/pets/1", headers=KEY).status_code == 200


def test_rate_limits_per_service_and_operation_most_specific_first():
    client = client_for("petstore", stateful=False, rate_limit="petstore=3/60,createPet=1/60")
    assert [client.post("/pets", json={"name": "a"}).status_code for _ in range(2)] == [201, 429]
    assert [client.get("/pets/1").status_code for _ in range(4)] == [200, 200, 200, 429]
    with pytest.raises(ValueError, match="nope: no such service or operationId"):
        client_for("petstore", rate_limit="nope=1/60")
    with pytest.raises(ValueError, match="use COUNT/SECONDS"):
        client_for("petstore", rate_limit="createPet=x/60")


def test_cors_headers_for_browsers():
    client = client_for("petstore", stateful=False)
    response = client.get("/pets/1", headers={"Origin": "http://app.test"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/pets/1", headers={"Origin": "http://app.test", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204 and "GET" in preflight.headers["allow"]
