"""Recognition with confidence: each operation's pattern, score and deciding features,
`specmock explain --format json`, and `--min-confidence` serving unsure ones without state."""

from __future__ import annotations

import logging

import orjson
from click.testing import CliRunner

from specmock.cli import main
from specmock.generator.recognize import recognize
from specmock.runtime.factory import load_services
from tests.conftest import client_for

OK = {"200": {"description": "ok"}}


def _json(props: dict) -> dict:
    return {"application/json": {"schema": {"type": "object", "properties": props}}}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "shapes", "version": "1"},
    "paths": {
        "/files": {
            "post": {
                "operationId": "uploadFile",
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": OK,
            }
        },
        "/files/{id}/content": {
            "get": {
                "operationId": "downloadFile",
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "responses": {"200": {"description": "ok", "content": {"application/pdf": {}}}},
            }
        },
        "/reports": {
            "post": {
                "operationId": "startReport",
                "responses": {
                    "202": {
                        "description": "accepted",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/webhooks": {
            "post": {
                "operationId": "registerWebhook",
                "requestBody": {"content": _json({"url": {"type": "string"}})},
                "responses": OK,
            }
        },
        "/contacts/batch": {
            "post": {
                "operationId": "batchContacts",
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "array", "items": {}}}}
                },
                "responses": OK,
            }
        },
        "/oauth/token": {
            "post": {
                "operationId": "issueToken",
                "requestBody": {"content": _json({"grant_type": {"type": "string"}})},
                "responses": {"200": {"description": "ok", "content": _json({"access_token": {}})}},
            }
        },
        "/events": {
            "get": {
                "operationId": "listEvents",
                "parameters": [{"name": "starting_after", "in": "query"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        },
    },
}


def _found() -> dict:
    (service,) = load_services([SPEC])
    return {op.operation_id: recognize(op) for op in service.operations}


def test_each_pattern_is_recognized_with_its_features():
    found = _found()
    expected = {
        "uploadFile": "upload",
        "downloadFile": "download",
        "startReport": "async-job",
        "registerWebhook": "webhook",
        "batchContacts": "batch",
        "issueToken": "auth",
        "listEvents": "list",
    }
    assert {k: v.pattern for k, v in found.items()} == expected
    assert "request body multipart/form-data" in found["uploadFile"].features
    assert "answers application/pdf" in found["downloadFile"].features
    assert "202 carries a Location to poll" in found["startReport"].features
    assert "answers an access_token" in found["issueToken"].features
    assert found["listEvents"].pagination == "cursor"
    for rec in found.values():
        assert 0 < rec.confidence <= 1 and rec.features


def test_more_evidence_means_more_confidence():
    (petstore,) = load_services(["petstore"])
    scores = {op.operation_id: recognize(op) for op in petstore.operations}
    assert scores["showPetById"].pattern == "read"
    found = _found()
    # a path shape and a verb agreeing beat one media type alone
    assert scores["showPetById"].confidence > found["registerWebhook"].confidence


def test_x_specmock_kind_still_decides():
    spec = orjson.loads(orjson.dumps(SPEC))
    spec["paths"]["/files"]["post"]["x-specmock-kind"] = "action"
    (service,) = load_services([spec])
    op = next(o for o in service.operations if o.operation_id == "uploadFile")
    assert recognize(op).as_dict() == {
        "pattern": "action",
        "confidence": 1.0,
        "features": ["x-specmock-kind"],
    }


def test_explain_json_gives_scores():
    result = CliRunner().invoke(main, ["explain", "petstore", "--format", "json"])
    assert result.exit_code == 0, result.output
    (service,) = orjson.loads(result.output)["services"]
    ops = {o["operationId"]: o for o in service["operations"]}
    assert ops["createPet"]["pattern"] == "create"
    assert ops["createPet"]["stateful"] is True
    assert 0.5 < ops["createPet"]["confidence"] <= 1
    assert "POST on a collection path of /pets" in ops["createPet"]["features"]
    text = CliRunner().invoke(main, ["explain", "petstore"]).output
    assert "pattern create (confidence 0.82:" in text


def test_min_confidence_serves_unsure_operations_without_state(caplog):
    sure = client_for("petstore")
    created = sure.post("/pets", json={"name": "Rex"}).json()
    assert sure.get(f"/pets/{created['id']}").json()["name"] == "Rex"  # from the store
    with caplog.at_level(logging.WARNING, logger="specmock"):
        unsure = client_for("petstore", min_confidence=0.99)
    assert "petstore:createPet recognized as create with confidence 0.82 < 0.99" in caplog.text
    unsure.post("/pets", json={"name": "Rex"})
    assert unsure.get("/pets/987654").status_code == 200  # generated: no store behind it
    kept = client_for("petstore", min_confidence=0.5)
    assert kept.get("/pets/987654").status_code == 404  # still stateful


def test_the_labelled_bundled_operations_stay_recognized():
    """bench/recognition.py's tuning set (bundled specs only): the accuracy measured when
    the features were last changed, so a feature that breaks others shows here."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    try:
        from recognition import tuning_set
    finally:
        sys.path.pop(0)
    found = tuning_set()
    right = sum(truth == guess for truth, guess, _ in found.values())
    assert len(found) == 225
    assert right >= 193  # 0.86
