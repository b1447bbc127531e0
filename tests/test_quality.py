"""Quality levels: basic carries only required fields, production all of them, exact
replays a recording byte for byte, and every level validates and stays seeded."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
from starlette.testclient import TestClient

from specmock import create_app
from specmock.runtime.cassette import Cassette, Exchange
from specmock.runtime.negotiation import Preference

PERSON = {
    "type": "object",
    "required": ["id", "name", "email"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "nickname": {"type": "string"},
        "homepage": {"type": "string", "format": "uri"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
    },
}
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "people", "version": "1"},
    "paths": {
        "/people": {
            "get": {
                "operationId": "listPeople",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": PERSON, "maxItems": 20}
                            }
                        },
                    }
                },
            }
        },
        "/people/{id}": {
            "get": {
                "operationId": "getPerson",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": PERSON}},
                    }
                },
            }
        },
        "/basic": {
            "get": {
                "operationId": "alwaysBasic",
                "x-specmock-quality": "basic",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": PERSON}},
                    }
                },
            }
        },
    },
}
OPTIONAL = {"nickname", "homepage", "created_at", "updated_at", "tags"}


def _client(**options) -> TestClient:
    options.setdefault("seed", 7)
    return TestClient(create_app(SPEC, quiet=True, stateful=False, **options))


def _valid(client: TestClient, body: object, operation: str) -> bool:
    op = next(o for s in client.app.services for o in s.operations if o.operation_id == operation)
    return client.app.responder.validator_for(op, 200).is_valid(body)


@pytest.mark.parametrize("level", ["basic", "realistic", "production", "exact"])
def test_every_level_is_valid_and_seeded(level):
    client = _client()
    first = client.get("/people", headers={"Prefer": f"quality={level}"})
    again = _client().get("/people", headers={"Prefer": f"quality={level}"})
    assert first.status_code == 200
    assert first.content == again.content
    assert _valid(client, first.json(), "listPeople")


def test_basic_carries_only_required_fields_and_minimal_arrays():
    client = _client(quality="basic")
    for seed in range(5):
        person = client.get("/people/3", headers={"Prefer": f"seed={seed}"}).json()
        assert set(person) == {"id", "name", "email"}
        assert person["email"].endswith("@example.com")  # drawn without Faker
    assert client.get("/people").json() == []  # no minItems: the minimal array is empty


def test_production_carries_every_field_with_agreeing_values():
    client = _client(quality="production")
    people = client.get("/people").json()
    assert len(people) >= 2
    for person in people:
        assert set(person) == {"id", "name", "email", *OPTIONAL}
        assert 2 <= len(person["tags"]) <= 5
        created = datetime.fromisoformat(person["created_at"])
        assert created <= datetime.fromisoformat(person["updated_at"])
        local = person["email"].split("@")[0]
        assert local == ".".join(
            "".join(c for c in part.lower() if c.isalnum()) for part in person["name"].split()
        )
    assert _valid(client, people, "listPeople")


def test_realistic_differs_from_both_ends():
    client = _client()
    sizes = {len(client.get(f"/people/{i}").json()) for i in range(1, 12)}
    assert sizes - {3, 8}  # some optional fields, not always all of them


def test_request_overrides_server_and_extension_overrides_server():
    client = _client(quality="production")
    assert set(client.get("/people/1", headers={"Prefer": "quality=basic"}).json()) == {
        "id",
        "name",
        "email",
    }
    assert set(client.get("/basic").json()) == {"id", "name", "email"}
    assert len(client.get("/basic", headers={"Prefer": "quality=production"}).json()) == 8


def test_unknown_level_is_refused_naming_the_rule():
    response = _client().get("/people", headers={"Prefer": "quality=shiny"})
    assert response.status_code == 400
    assert "quality 'shiny' is not one of basic, realistic, production, exact" in response.text


def test_exact_replays_the_recording_byte_for_byte(tmp_path):
    recorded = b'{"id": 3,   "name": "Ada Lovelace", "email": "ada@example.org"}'
    cassette = Cassette()
    cassette.add(
        Exchange(
            "GET", "/people/3", "", {}, b"", 200, {"content-type": "application/json"}, recorded
        )
    )
    file = tmp_path / "people.har"
    cassette.save(file)
    client = _client(quality="exact", cassette=str(file))
    assert client.get("/people/3").content == recorded
    generated = client.get("/people/4")  # nothing recorded: production
    assert set(generated.json()) == {"id", "name", "email", *OPTIONAL}
    assert orjson.loads(recorded)["id"] == 3


def test_production_falls_back_rather_than_break_the_contract():
    """Fuller arrays of `oneOf` items fail more often; such answers fall back to realistic."""
    app = create_app("openai", quiet=True, stateful=False, cache_size=0)
    wanted = {"listChatCompletions", "usage-costs", "listConversationItems"}
    ops = [op for s in app.services for op in s.operations if op.operation_id in wanted]
    assert len(ops) == 3
    for op in ops:
        for seed in range(2):
            pref = Preference(quality="production", seed=seed)
            out = app.responder.success(op, {}, pref, "application/json")
            assert out.status < 500 and not out.contract_errors, op.operation_id
