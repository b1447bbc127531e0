"""The admin operations the console reads: the journal stream, services, one state item."""

from __future__ import annotations

import orjson
from starlette.testclient import TestClient

from specmock import create_app

from .conftest import client_for


def _events(raw: bytes) -> list[dict]:
    frames = [f for f in raw.decode().split("\n\n") if "event: entry" in f]
    return [orjson.loads(f.split("data: ", 1)[1]) for f in frames]


def test_the_stream_sends_entries_after_the_given_id_filtered_then_ends():
    client = client_for("petstore")
    client.get("/pets")
    client.get("/pets/1")
    client.post("/pets", json={"name": "Rex"})
    url = "/__specmock/requests/stream?after=1&window=0.3&method=GET"
    with client.stream("GET", url) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        body = answer.read()
    assert body.startswith(b"retry: ")
    assert [(e["id"], e["path"]) for e in _events(body)] == [(2, "/pets/1")]


def test_a_reconnect_goes_on_from_last_event_id():
    client = client_for("petstore")
    for _ in range(3):
        client.get("/pets")
    url = "/__specmock/requests/stream?after=0&window=0.2"
    with client.stream("GET", url, headers={"Last-Event-ID": "2"}) as answer:
        assert [e["id"] for e in _events(answer.read())] == [3]


def test_a_bad_window_is_refused_by_name():
    answer = client_for("petstore").get("/__specmock/requests/stream?window=0")
    assert answer.status_code == 400
    assert "window" in answer.text


def test_services_list_operations_with_their_counters():
    client = client_for("petstore")
    client.get("/pets")
    client.get("/pets/not-a-number")
    (service,) = client.get("/__specmock/services").json()
    ops = {op["id"]: op for op in service["operations"]}
    assert service["name"] == "petstore"
    assert (ops["listPets"]["calls"], ops["listPets"]["errors"]) == (1, 0)
    assert (ops["showPetById"]["calls"], ops["showPetById"]["errors"]) == (1, 1)


def test_one_state_item_is_deleted_by_namespace_and_key():
    client = client_for("petstore")
    pet = client.post("/pets", json={"name": "Rex"}).json()
    params = {"namespace": "petstore:/pets", "key": str(pet["id"])}
    assert client.delete("/__specmock/state/item", params=params).status_code == 204
    assert client.get(f"/pets/{pet['id']}").status_code == 404
    again = client.delete("/__specmock/state/item", params=params)
    assert again.status_code == 404
    assert str(pet["id"]) in again.json()["detail"]


def test_the_console_page_and_its_files_are_served_and_unknown_ones_refused():
    client = client_for("petstore")
    page = client.get("/__specmock/ui")
    assert page.headers["content-type"].startswith("text/html")
    assert 'src="ui/console.js"' in page.text
    assert (
        client.get("/__specmock/ui/console.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert client.get("/__specmock/ui/missing.js").status_code == 404
    assert client.get("/__specmock/ui/..%2Fadmin.py").status_code in (400, 404)


def test_away_from_loopback_the_console_takes_the_token_once_then_its_cookie():
    app = create_app("petstore", seed=1, quiet=True, admin_token="s3cret-token")
    remote = TestClient(app, client=("10.1.2.3", 40000))
    assert remote.get("/__specmock/ui").status_code == 403
    assert remote.get("/__specmock/ui?token=wrong").status_code == 403
    page = remote.get("/__specmock/ui?token=s3cret-token")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/__specmock" in cookie
    assert remote.get("/__specmock/services").status_code == 200  # the cookie came back
    stranger = TestClient(app, client=("10.9.9.9", 40000))
    assert stranger.get("/__specmock/services?token=s3cret-token").status_code == 403
    assert (
        stranger.get("/__specmock/faults", headers={"cookie": "specmock-admin=nope"}).status_code
        == 403
    )
    assert stranger.get("/__specmock/faults", headers={"cookie": "bad\\x00;;=="}).status_code == 403
    bearer = {"authorization": "Bearer s3cret-token"}
    assert stranger.get("/__specmock/faults", headers=bearer).status_code == 200
