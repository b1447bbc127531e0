"""The core engine through HTTP: validation, negotiation, Prefer, determinism, errors."""

from __future__ import annotations

import base64

import jsonschema
import pytest
import yaml

from .conftest import SPECS, TEST_SPECS, client_for

KEY = {"X-API-Key": "k"}


@pytest.fixture(scope="module")
def pets():
    return client_for(TEST_SPECS / "petstore.yaml", credentials=["k"], stateful=False)


def test_same_id_same_pet_other_id_other_pet(petstore):
    first = petstore.get("/pets/7")
    again = petstore.get("/pets/7")
    other = petstore.get("/pets/8")
    assert first.status_code == 200
    assert first.content == again.content
    assert first.content != other.content


def test_seed_reproduces_bytes_across_apps():
    a = client_for("petstore", seed=42, stateful=False).get("/pets/7").content
    b = client_for("petstore", seed=42, stateful=False).get("/pets/7").content
    c = client_for("petstore", seed=43, stateful=False).get("/pets/7").content
    assert a == b
    assert a != c


def test_body_errors_name_each_field_and_rule(petstore):
    response = petstore.post("/pets", json={"tag": 1})
    assert response.status_code == 400
    body = response.json()
    found = {(e["pointer"], e["rule"]) for e in body["errors"]}
    assert ("/name", "required") in found
    assert ("/tag", "type") in found
    assert "/name" in body["message"] and "/tag" in body["message"]


def test_declared_error_shape_is_used_and_valid(petstore):
    response = petstore.get("/pets/abc")
    assert response.status_code == 400
    spec = yaml.safe_load((SPECS / "petstore.yaml").read_text())
    error_schema = spec["components"]["schemas"]["Error"]
    jsonschema.validate(response.json(), error_schema)
    assert response.json()["code"] == 400
    assert response.json()["errors"][0]["pointer"] == "/petId"


def test_problem_json_when_no_error_shape_declared():
    spec = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    client = client_for(spec)
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_unknown_path_404_and_undeclared_method_405_with_allow(petstore):
    assert petstore.get("/nothing/here").status_code == 404
    response = petstore.put("/pets/1", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"


def test_options_answered_from_spec(petstore):
    response = petstore.options("/pets")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_is_get_without_body(petstore):
    response = petstore.head("/pets/3")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(petstore.get("/pets/3").content)


def test_415_for_undeclared_content_type(petstore):
    response = petstore.post("/pets", content=b"name=x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["rule"] == "content-type"


def test_406_when_accept_matches_nothing(petstore):
    assert petstore.get("/pets/1", headers={"accept": "text/html"}).status_code == 406
    assert petstore.get("/pets/1", headers={"accept": "text/html, */*;q=0.1"}).status_code == 200


def test_malformed_json_is_400_not_500(petstore):
    json_type = {"content-type": "application/json"}
    response = petstore.post("/pets", content=b"{nope", headers=json_type)
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "syntax"


def test_missing_required_body(petstore):
    response = petstore.post("/pets")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "required"


def test_huge_body_is_413():
    client = client_for("petstore")
    client.app.max_body = 1000
    json_type = {"content-type": "application/json"}
    response = client.post("/pets", content=b"x" * 5000, headers=json_type)
    assert response.status_code == 413


def test_query_params_are_coerced_and_checked(petstore):
    assert petstore.get("/pets?limit=10").status_code == 200
    response = petstore.get("/pets?limit=1000")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "maximum"


def test_prefer_code_returns_declared_status(petstore):
    response = petstore.get("/pets/1", headers={"Prefer": "code=404"})
    assert response.status_code == 404
    assert {"code", "message"} <= set(response.json())


def test_prefer_undeclared_code_is_refused(petstore):
    response = petstore.get("/pets/1", headers={"Prefer": "code=418"})
    assert response.status_code == 400


def test_prefer_seed_changes_value_and_is_stable(petstore):
    a = petstore.get("/pets/1", headers={"Prefer": "seed=5"}).content
    b = petstore.get("/pets/1", headers={"Prefer": "seed=5"}).content
    assert a == b
    assert a != petstore.get("/pets/1").content


def test_named_and_inline_examples(pets):
    default = pets.get("/v1/pets/1")
    assert default.status_code == 200
    spec = yaml.safe_load((TEST_SPECS / "petstore.yaml").read_text())
    media = spec["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]
    examples = media["application/json"]["examples"]
    first, second = list(examples)[:2]
    assert default.json() == examples[first]["value"]
    chosen = pets.get("/v1/pets/1", headers={"Prefer": f"example={second}"})
    assert chosen.json() == examples[second]["value"]
    dynamic = pets.get("/v1/pets/1", headers={"Prefer": "dynamic=true"})
    assert dynamic.json() not in [e["value"] for e in examples.values()]
    missing = pets.get("/v1/pets/1", headers={"Prefer": "example=nope"})
    assert missing.status_code == 400


def test_security_401_without_credentials_and_with_wrong_ones(pets):
    body = {"name": "Rex"}
    assert pets.post("/v1/pets", json=body).status_code == 401
    assert pets.post("/v1/pets", json=body, headers={"X-API-Key": "bad"}).status_code == 401
    response = pets.post("/v1/pets", json=body, headers=KEY)
    assert response.status_code == 201
    assert "location" in response.headers


def test_basic_and_bearer_schemes():
    forms = client_for(TEST_SPECS / "forms.yaml", credentials=["user:pass"])
    token = base64.b64encode(b"user:pass").decode()
    ok = forms.post("/documents", files={"file": ("a.txt", b"hello", "text/plain")},
                    headers={"Authorization": f"Basic {token}"})
    assert ok.status_code in (200, 201), ok.text
    wrong = base64.b64encode(b"user:nope").decode()
    denied = forms.post("/documents", files={"file": ("a.txt", b"hello", "text/plain")},
                        headers={"Authorization": f"Basic {wrong}"})
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"].startswith("Basic")


def test_response_headers_are_generated(petstore):
    response = petstore.get("/pets")
    assert int(response.headers["x-total-count"]) >= 0


def test_readonly_fields_not_required_in_requests(pets):
    response = pets.post("/v1/pets", json={"name": "Rex"}, headers=KEY)
    assert response.status_code == 201
    assert isinstance(response.json()["id"], int)


def test_base_path_and_bare_path_both_route(pets):
    assert pets.get("/v1/pets/2").status_code == 200
    assert pets.get("/pets/2").status_code == 200


def test_an_example_that_breaks_its_schema_is_never_served():
    spec = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "integer"},
                                 "examples": {"bad": {"value": "not a number"}}}}}}}}},
    }
    for strict in (True, False):
        asked = client_for(spec, strict=strict).get("/x", headers={"Prefer": "example=bad"})
        assert asked.status_code == 400
        assert "never served" in asked.json()["errors"][0]["message"]
        assert isinstance(client_for(spec, strict=strict).get("/x").json(), int)


def test_invalid_examples_are_skipped_for_generated_data():
    spec = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "integer", "minimum": 1},
                                 "example": "nope"}}}}}}},
    }
    response = client_for(spec).get("/x")
    assert response.status_code == 200
    assert isinstance(response.json(), int)


def test_recursive_schemas_terminate_and_validate():
    client = client_for(TEST_SPECS / "polymorphic.yaml", credentials=["k"])
    for path in ("/api/categories/tree", ):
        response = client.get(path)
        assert response.status_code == 200, response.text


def test_request_id_is_echoed(petstore):
    response = petstore.get("/pets/1", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


def test_generated_answers_reflect_path_ids_and_sent_fields(petstore):
    assert petstore.get("/pets/7").json()["id"] == 7
    created = petstore.post("/pets", json={"name": "Rex", "tag": "dog"}).json()
    assert (created["name"], created["tag"]) == ("Rex", "dog")



def test_reflection_never_breaks_the_contract():
    spec = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"kind": {"type": "string"}}}}}},
            "responses": {"201": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "required": ["kind"], "properties": {
                    "kind": {"enum": ["a", "b"]}}}}}}}}}},
    }
    client = client_for(spec)
    assert client.post("/things", json={"kind": "b"}).json()["kind"] == "b"
    assert client.post("/things", json={"kind": "zzz"}).json()["kind"] in ("a", "b")
