"""Answers that stay in contract where a spec's shapes disagree with each other: items a
create answers in one shape and reads declare in another, discriminators whose variants
fix their own tags, and refusals at statuses (or in envelopes) the spec does not declare."""

from __future__ import annotations

import httpx
import orjson
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from specmock import load_service
from specmock.cli.main import main
from specmock.generator.resources import classify
from specmock.runtime.stages.checks import validation_status
from specmock.testing import serve

from .conftest import TEST_SPECS, client_for

SPEC = TEST_SPECS / "mismatched.yaml"
DOC = load_service(SPEC).document.root


def _valid(ref: str, value: object) -> bool:
    schema = {"$ref": ref, "components": DOC["components"]}
    return Draft202012Validator(schema).is_valid(value)


def test_a_stored_item_is_listed_and_read_in_the_readers_own_shape():
    client = client_for(SPEC, strict=True, seed=3)
    made = client.post("/certificates", json={"name": "edge"}).json()
    assert "active" not in made or made["object"] != "organization.certificate"
    listed = client.get("/certificates")
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["data"]
    assert _valid("#/components/schemas/Listed", item)
    assert (item["id"], item["name"]) == (made["id"], "edge")  # the stored fields are kept
    read = client.get(f"/certificates/{made['id']}")
    assert read.status_code == 200 and _valid("#/components/schemas/Listed", read.json())
    assert read.json()["id"] == made["id"]


def test_a_create_answering_another_shape_is_served_without_state():
    roles = {op.operation_id: r for op, r in _roles()}
    assert not roles["addUser"].stateful and not roles["listUsers"].stateful
    assert roles["uploadCertificate"].stateful  # its answer carries what reads require
    client = client_for(SPEC, strict=True)
    assert client.post("/groups/g1/users", json={"user_id": "u1"}).status_code == 200
    users = client.get("/groups/g1/users")
    assert users.status_code == 200, users.text
    assert all({"id", "name", "email"} <= set(u) for u in users.json()["data"])
    said = CliRunner().invoke(main, ["explain", str(SPEC)]).output
    assert "users (generated: its create answers another shape than" in said


def _roles():
    service = load_service(SPEC)
    found = classify(service)
    return [(op, found[id(op)]) for op in service.operations]


@pytest.mark.parametrize("seed", range(12))
def test_discriminator_variants_keep_the_tag_their_schema_fixes(seed):
    answer = client_for(SPEC, strict=True, seed=seed).get(f"/threads/t{seed}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"]["type"] in ("active", "closed")


def test_a_bad_body_is_never_refused_with_a_status_clients_retry():
    service = load_service(SPEC)
    upload = next(op for op in service.operations if op.operation_id == "uploadCertificate")
    assert validation_status(upload) == 400  # 429 is declared, and means "slow down"
    client = client_for(SPEC, strict=True)
    assert client.post("/certificates", json={"name": 7}).status_code == 400


def test_openai_refusals_keep_the_vendors_words_or_the_declared_shape():
    with serve("openai", seed=1, strict=True, quiet=True, credentials=["k"]) as server:
        # no 401 is declared on DeleteAssistant: OpenAI's own words, not a 500
        anonymous = httpx.delete(server.url + "/v1/assistants/asst_1")
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "invalid_api_key"
        # createEvalRun declares its 400 as a bare Error object: that shape is answered
        auth = {"authorization": "Bearer k"}
        bad = httpx.post(server.url + "/v1/evals/e1/runs", json={"x": 1}, headers=auth)
        assert bad.status_code == 400
        assert {"type", "message", "param", "code"} <= set(orjson.loads(bad.content))
        # where the spec declares OpenAI's envelope, the SDK's shape is kept
        chat = httpx.post(server.url + "/v1/chat/completions", json={"x": 1}, headers=auth)
        assert chat.status_code == 400 and "error" in chat.json()
