"""HTTP behaviours clients rely on: conditional requests, idempotency keys, rate limits, CORS."""

from __future__ import annotations

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
