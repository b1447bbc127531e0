"""Failures in the vendor's own voice: every named error of every bundled service, injected
through the request path, comes back in that service's declared error envelope with a real
sentence; scenario presets, the scenario header and a spec's own `x-specmock-errors`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from specmock import create_app
from specmock.runtime.catalogue import registered

from .conftest import SPECS

AUTH = {"Authorization": "Bearer any"}
# service -> (method, path, body, error schema by path kind)
TARGETS: dict[str, list[tuple[str, str, Any, str]]] = {
    "s3": [("GET", "/bucket/key", None, "Error")],
    "veeva_vault": [("GET", "/api/v25.1/objects/documents", None, "Failure")],
    "sfmc": [("GET", "/data/v1/customobjects", None, "Error")],
    "salesforce_cdp": [
        ("POST", "/api/v1/query", {"sql": "SELECT 1"}, "DirectError"),
        ("GET", "/services/data/v62.0/ssot/segments", None, "RestErrors"),
        ("POST", "/services/oauth2/token", None, "OAuthError"),
    ],
    "order_server": [("GET", "/order", None, "Error")],
    "callback_server": [("GET", "/check", None, "Error")],
    "email": [
        ("POST", "/v3/mail/send", {"personalizations": []}, "SendGridErrors"),
        ("GET", "/api/v1/messages", None, "Error"),
    ],
}


def _validator(service: str, name: str) -> Draft202012Validator:
    doc = yaml.safe_load((SPECS / f"{service}.yaml").read_text())
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return Draft202012Validator(schema)


def _client(service: str) -> TestClient:
    options = {"s3_auth": "off"} if service == "s3" else None
    return TestClient(create_app(service, seed=3, quiet=True, strict=True, options=options))


def _parsed(response: Any) -> Any:
    if "xml" in response.headers.get("content-type", ""):
        root = ET.fromstring(response.content)
        assert root.tag == "Error"
        return {child.tag: child.text or "" for child in root}
    return response.json()


def _messages(body: Any) -> list[str]:
    if isinstance(body, list):
        return [m for item in body for m in _messages(item)]
    found = [
        v for k, v in body.items() if k in ("message", "Message", "error_description", "Error")
    ]
    return found + _messages(body.get("errors", []))


@pytest.mark.parametrize("service", sorted(TARGETS))
def test_every_named_error_renders_in_the_vendors_declared_envelope(service):
    client = _client(service)
    catalogue = registered(service)
    assert catalogue is not None and len(catalogue.errors) >= 4
    for method, path, body, schema in TARGETS[service]:
        validator = _validator(service, schema)
        for error in catalogue.errors:
            response = client.request(
                method, path, json=body, headers={**AUTH, "X-Specmock-Fault": error.name}
            )
            assert response.status_code == error.status, (error.name, response.text)
            parsed = _parsed(response)
            problems = [e.message for e in validator.iter_errors(parsed)]
            assert not problems, (service, error.name, path, problems)
            if not (error.status == 401 and "/services/data/" in path):  # fixed words there
                assert error.message.rstrip(".") in " ".join(_messages(parsed)), parsed
            for header, value in error.headers.items():
                assert response.headers[header] == value
    entries = client.get("/__specmock/requests").json()
    assert all(e["fault"].startswith("error ") for e in entries)


def test_vault_refusal_is_a_failure_at_http_200_with_one_typed_error():
    client = _client("veeva_vault")
    response = client.get(
        "/api/v25.1/objects/documents", headers={"X-Specmock-Fault": "OPERATION_NOT_ALLOWED"}
    )
    assert response.status_code == 200
    assert response.headers["X-VaultAPI-Status"] == "FAILURE"
    assert response.json()["errors"] == [
        {
            "type": "OPERATION_NOT_ALLOWED",
            "message": registered("veeva_vault").find("OPERATION_NOT_ALLOWED").message,
        }
    ]
    outage = client.get("/api/v25.1/objects/documents", headers={"X-Specmock-Fault": "503"})
    assert outage.status_code == 503 and outage.json()["responseStatus"] == "EXCEPTION"
    last = client.get("/__specmock/requests").json()[-1]
    assert last["contract"] == "injected, outside the contract"


def test_a_bare_status_keeps_its_status_and_takes_the_vendors_words():
    client = _client("salesforce_cdp")
    client.post("/__specmock/faults", json={"operation": "queryV1", "status": 500})
    response = client.post("/api/v1/query", json={"sql": "SELECT 1"}, headers=AUTH)
    assert response.status_code == 500
    assert response.json()["errorCode"] == "UNKNOWN_EXCEPTION"
    assert "specmock" not in response.text


def test_rule_names_an_error_and_status_follows_the_vendor():
    client = _client("sfmc")
    added = client.post("/__specmock/faults", json={"id": "rl", "error": "RateLimitExceeded"})
    assert added.status_code == 201
    response = client.get("/data/v1/customobjects", headers=AUTH)
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    assert response.json()["errorcode"] == 0
    client.put("/__specmock/faults", json={"error": "NoSuchThing"})
    refused = client.get("/data/v1/customobjects", headers=AUTH)
    assert refused.status_code == 400 and "RateLimitExceeded" in refused.text


def test_bad_rules_name_the_field():
    client = _client("s3")
    both = client.post("/__specmock/faults", json={"error": "SlowDown", "fault": "reset"})
    assert both.status_code == 400 and "'error' and 'fault' cannot be given together" in both.text
    after = client.post("/__specmock/faults", json={"error": "SlowDown", "after": 0})
    assert after.status_code == 400 and "after" in after.text


def test_presets_switch_by_admin_api_header_and_cli_option():
    client = _client("s3")
    names = client.get("/__specmock/scenarios").json()["scenarios"]
    assert {"throttling", "outage", "slow", "flaky", "s3:slowdown-burst"} <= set(names)
    # by header: this request alone, counters kept across the requests naming it
    burst = {"X-Specmock-Scenario": "slowdown-burst"}
    codes = [client.get("/bucket/key", headers=burst).status_code for _ in range(4)]
    assert codes == [503, 503, 503, 404]
    assert client.get("/bucket/key").status_code == 404  # nothing active
    unknown = client.get("/bucket/key", headers={"X-Specmock-Scenario": "nope"})
    assert unknown.status_code == 400 and "slowdown-burst" in unknown.text
    # by the admin API
    assert client.post("/__specmock/scenarios/outage").status_code == 200
    outage = client.get("/bucket/key")
    assert outage.status_code == 503 and b"<Code>ServiceUnavailable</Code>" in outage.content
    assert client.post("/__specmock/scenarios/throttling").status_code == 200
    codes = [client.get("/bucket/key").status_code for _ in range(4)]
    assert codes == [404, 503, 404, 503]


def test_vault_session_expiry_after_n_calls():
    client = _client("veeva_vault")
    login = {"username": "admin@specmock.example", "password": "specmock"}
    session = client.post("/api/v25.1/auth", data=login).json()["sessionId"]
    client.post("/__specmock/scenarios/session-expiry")
    kinds = []
    for _ in range(7):
        reply = client.get("/api/v25.1/objects/documents", headers={"Authorization": session})
        body = reply.json()
        kinds.append("ok" if body["responseStatus"] == "SUCCESS" else body["errors"][0]["type"])
    assert kinds == ["ok"] * 5 + ["INVALID_SESSION_ID", "ok"]


def test_scenario_options_apply_until_the_next_switch():
    app = create_app("salesforce_cdp", seed=1, quiet=True, options={"keep": "1"})
    client = TestClient(app)
    client.post("/__specmock/scenarios/ingestion-failing")
    assert app.options == {"keep": "1", "salesforce_cdp_jobs": "fail"}
    client.post("/__specmock/scenarios/slow")
    assert app.options == {"keep": "1"}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "1"},
    "x-specmock-name": "shop",
    "x-specmock-errors": {
        "OUT_OF_STOCK": {"status": 409, "message": "The item was sold a moment ago."},
        "CLOSED": {
            "status": 503,
            "message": "The shop is closed for stocktaking.",
            "headers": {"Retry-After": "60"},
            "body": {"reason": "stocktaking"},
        },
    },
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "409": {
                        "description": "conflict",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["errorCode", "message", "hint"],
                                    "properties": {
                                        "errorCode": {"type": "string"},
                                        "message": {"type": "string"},
                                        "hint": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                },
            }
        }
    },
}


def test_a_specs_own_named_errors():
    client = TestClient(create_app(SPEC, seed=1, quiet=True))
    sold = client.get("/items/1", headers={"X-Specmock-Fault": "OUT_OF_STOCK"})
    assert sold.status_code == 409
    # the declared schema, filled with the message and the status reason: no lorem
    assert sold.json() == {
        "errorCode": "CONFLICT",
        "message": "The item was sold a moment ago.",
        "hint": "Conflict",
    }
    closed = client.get("/items/1", headers={"X-Specmock-Fault": "CLOSED"})
    assert closed.status_code == 503 and closed.json() == {"reason": "stocktaking"}
    assert closed.headers["Retry-After"] == "60"
    listed = client.get("/__specmock/errors").json()["shop"]
    assert [e["name"] for e in listed] == ["OUT_OF_STOCK", "CLOSED"]


def test_a_broken_named_error_stops_the_start_naming_the_entry():
    from specmock.generator.errors import SpecError

    broken = {**SPEC, "x-specmock-errors": {"GONE": {"status": 999, "message": "Gone."}}}
    with pytest.raises(SpecError, match="x-specmock-errors/GONE/status: error: must be an HTTP"):
        create_app(broken, quiet=True)
