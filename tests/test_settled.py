"""Settled answers: a request met before and answered from the contract alone is answered
again without the stages, and never once anything else could change its answer."""

from __future__ import annotations

from specmock.runtime.clock import VirtualClock
from tests.conftest import client_for


def _settled(client) -> int:
    return len(client.app.responder.cache.settled)


def _memory(client) -> dict:
    return client.get("/__specmock/cache").json()["tiers"][0]


def test_the_same_request_gets_the_same_bytes_without_a_second_lookup():
    client = client_for("petstore", stateful=False)
    first = client.get("/pets/7")
    assert _settled(client) == 1
    again = client.get("/pets/7")
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # per request still
    stats = _memory(client)
    assert (stats["hits"], stats["misses"]) == (1, 1)  # a settled answer is a cache hit
    assert client.head("/pets/7").content == b""  # HEAD is its own request
    assert client.get("/pets/7", headers={"Prefer": "quality=basic"}).content != first.content
    journal = client.get("/__specmock/requests").json()
    assert [e["path"] for e in journal][-4:] == ["/pets/7"] * 4  # every one still recorded


def test_a_fault_rule_set_afterwards_acts_on_the_request_met_before():
    client = client_for("petstore", stateful=False)
    assert client.get("/pets/1").status_code == 200
    rule = {"operation": "showPetById", "status": 503}
    assert client.post("/__specmock/faults", json=rule).status_code == 201
    assert _settled(client) == 0  # the control plane changed something: all forgotten
    assert client.get("/pets/1").status_code == 503
    assert client.delete("/__specmock/faults").status_code in (200, 204)
    assert client.get("/pets/1").status_code == 200


def test_rules_added_by_code_are_honoured_too():
    client = client_for("petstore", stateful=False)
    assert client.get("/pets/1").status_code == 200
    client.app.faults.add({"operation": "showPetById", "status": 500})
    assert client.get("/pets/1").status_code == 500


def test_a_rate_limit_still_counts_repeated_requests():
    client = client_for("petstore", stateful=False, rate_limit="2/60")
    codes = [client.get("/pets/1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert _settled(client) == 0


def test_stored_state_is_never_settled():
    client = client_for("petstore", stateful=True)
    created = client.post("/pets", json={"name": "Rex", "tag": "dog"}).json()
    path = f"/pets/{created['id']}"
    assert client.get(path).json()["name"] == "Rex"
    client.delete(path)
    assert client.get(path).status_code == 404
    assert _settled(client) == 0


def test_requests_with_a_body_or_a_fault_header_are_not_kept():
    client = client_for("petstore", stateful=False)
    client.request("GET", "/pets/1", content=b"x")
    client.get("/pets/1", headers={"X-Specmock-Delay": "1"})
    assert _settled(client) == 0


def test_an_override_answer_is_never_settled(tmp_path):
    module = tmp_path / "counting.py"
    module.write_text(
        "from specmock import override\n\ncalls = []\n\n"
        "@override('showPetById')\n"
        "def show(ctx):\n"
        "    calls.append(1)\n"
        "    return {'id': len(calls), 'name': 'counted'}\n"
    )
    client = client_for("petstore", stateful=False, overrides=[module])
    assert [client.get("/pets/1").json()["id"] for _ in range(2)] == [1, 2]
    assert _settled(client) == 0


def test_a_new_clock_or_a_purge_forgets():
    client = client_for("petstore", stateful=False)
    client.get("/pets/1")
    client.app.set_clock(VirtualClock(start=1_700_000_000))
    assert _settled(client) == 0
    client.get("/pets/1")
    assert client.delete("/__specmock/cache").status_code == 200
    assert _settled(client) == 0


def test_a_cache_of_size_zero_keeps_nothing():
    client = client_for("petstore", stateful=False, cache_size=0)
    client.get("/pets/1")
    client.get("/pets/1")
    assert _settled(client) == 0


CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello"}]}


def test_a_completion_is_given_again_until_its_second_ends():
    clock = VirtualClock(start=1_700_000_000)
    client = client_for("openai", clock=clock)
    auth = {"Authorization": "Bearer sk-test"}
    first = client.post("/v1/chat/completions", json=CHAT, headers=auth)
    assert first.status_code == 200 and _settled(client) == 1
    again = client.post("/v1/chat/completions", json=CHAT, headers=auth)
    assert again.content == first.content
    assert _memory(client)["hits"] >= 1
    other = client.post("/v1/chat/completions", json={**CHAT, "seed": 7}, headers=auth)
    assert other.json()["choices"] != first.json()["choices"]  # the body is in the key
    clock.advance(5)  # moved by code: the kept reply's second is over
    later = client.post("/v1/chat/completions", json=CHAT, headers=auth).json()
    assert later["created"] == first.json()["created"] + 5
    assert later["choices"] == first.json()["choices"]


def test_a_completion_with_a_fault_or_a_stream_is_not_kept():
    client = client_for("openai")  # the real clock: a first-byte wait passes
    auth = {"Authorization": "Bearer sk-test"}
    fault = {**auth, "X-Specmock-LLM-Fault": "first_byte_ms=1"}
    client.post("/v1/chat/completions", json=CHAT, headers=fault)
    client.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=auth)
    assert _settled(client) == 0


def test_a_stateless_create_is_kept_by_its_body():
    client = client_for("petstore", stateful=False)
    headers = {"X-API-Key": "k"}
    rex = client.post("/pets", json={"name": "Rex", "tag": "dog"}, headers=headers)
    assert client.post("/pets", json={"name": "Rex", "tag": "dog"}, headers=headers).content == (
        rex.content
    )
    assert _settled(client) == 1
    fido = client.post("/pets", json={"name": "Fido", "tag": "dog"}, headers=headers)
    assert fido.json()["name"] == "Fido" and _settled(client) == 2
    keyed = {**headers, "Idempotency-Key": "one"}
    client.post("/pets", json={"name": "Rex", "tag": "dog"}, headers=keyed)
    assert _settled(client) == 2  # an idempotency record acts: not kept


def test_an_override_that_says_its_reply_is_settled_is_called_once(tmp_path):
    module = tmp_path / "settling.py"
    module.write_text(
        "from specmock import Reply, override\n\ncalls = []\n\n"
        "@override('showPetById')\n"
        "def show(ctx):\n"
        "    calls.append(1)\n"
        "    pet = {'id': len(calls), 'name': 'counted'}\n"
        "    return Reply(pet, settled_until=float('inf'))\n"
    )
    client = client_for("petstore", stateful=False, overrides=[module])
    assert [client.get("/pets/1").json()["id"] for _ in range(3)] == [1, 1, 1]
    assert client.get("/pets/2").json()["id"] == 2  # another request: called
    client.post("/__specmock/clock", json={"frozen": True})  # any change forgets
    assert client.get("/pets/1").json()["id"] == 3
