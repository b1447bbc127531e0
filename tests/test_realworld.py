"""Vendor specs as published: defects are warnings, the spec is served, clients work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openai
import pytest
import regress
import twilio.rest
import yaml
from click.testing import CliRunner

from specmock import SpecError, create_app, load_service
from specmock.cli.main import main
from specmock.testing import serve

from .conftest import TEST_SPECS, client_for

REALWORLD = TEST_SPECS / "realworld"
DEFECTS = REALWORLD / "defects.yaml"
# CI keeps shared/ beside the clone; a worktree sits one level deeper
VENDOR = next(
    (p / "shared" / "vendor-refs" for p in Path(__file__).parents[2:4] if (p / "shared").is_dir()),
    Path(__file__).parents[2] / "shared" / "vendor-refs",
)
OPENAI = VENDOR / "openai" / "openapi.yaml"
TWILIO = VENDOR / "twilio" / "twilio_api_v2010.json"
THING = "/components/schemas/Thing"


def _warnings(service) -> dict[str, str]:
    return {p.pointer: p.reason for p in service.problems if p.severity == "warning"}


def test_servable_defects_are_warnings_with_pointers():
    found = _warnings(load_service(DEFECTS))
    assert "id" in found[THING + "/required"] and "repeated" in found[THING + "/required"]
    assert "unknown type 'date'" in found[THING + "/properties/when/type"]
    assert "'snake-case-word'" in found[THING + "/properties/kind/format"]
    assert "does not compile" in found[THING + "/properties/code/pattern"]
    assert "3.0 syntax" in found[THING + "/properties/size/exclusiveMinimum"]
    example = "/paths/~1things~1{id}/get/responses/200/content/application~1json"
    assert "'broken' does not match its schema" in found[example + "/schema"]
    # an ECMA-262 pattern is not a defect: it is checked with an ECMA engine
    assert not any(p.endswith("/parameters/0/schema/pattern") for p in found)


def test_a_required_with_no_names_is_a_warning_and_the_spec_serves():
    """`required: true` on a schema (Swagger 2's parameter spelling, common in converted
    specs) and `properties` given as a list are reported where they are and ignored; a
    parameter's or a body's boolean `required` is no defect."""
    owner = {"type": "object", "required": True, "properties": {"name": {"type": "string"}}}
    pet = {"type": "object", "required": ["name"],
           "properties": {"name": {"type": "string"}, "owner": owner,
                          "tags": {"type": "object", "properties": ["a", "b"]}}}  # fmt: skip
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "swagger habits", "version": "1"},
        "paths": {"/pets/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"responses": {"200": {"description": "a pet", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}},
            "put": {"requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                "responses": {"204": {"description": "replaced"}}},
        }},
        "components": {"schemas": {"Pet": pet}},
    }  # fmt: skip
    found = _warnings(load_service(spec))
    pet_at = "/components/schemas/Pet/properties"
    assert found == {
        f"{pet_at}/owner/required": "`required` must be a list of property names; ignored",
        f"{pet_at}/tags/properties": "`properties` must be a map of names to schemas; ignored",
    }
    client = client_for(spec)
    answer = client.get("/pets/7")
    assert answer.status_code == 200 and isinstance(answer.json()["name"], str)
    assert client.put("/pets/7", json={"name": "Rex", "owner": {}}).status_code == 204
    assert client.put("/pets/7", json={"owner": {}}).status_code == 400  # `name` still required


def test_strict_spec_refuses_the_same_defects():
    with pytest.raises(SpecError) as info:
        load_service(DEFECTS, strict=True)
    pointers = {p.pointer for p in info.value.problems}
    assert THING + "/required" in pointers
    assert all(p.severity == "error" for p in info.value.problems)
    with pytest.raises(SpecError):
        create_app(DEFECTS, strict_spec=True)


def test_unservable_documents_are_still_refused(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: {'200': {$ref: '#/components/responses/Nope'}}\n"
    )
    with pytest.raises(SpecError) as info:
        load_service(spec)
    assert "does not resolve" in info.value.problems[0].reason


def test_invalid_example_is_never_served():
    client = client_for(DEFECTS, strict=True)
    body = client.get("/things/12-3").json()
    assert body["id"] == "a1" and body["size"] == 3  # the valid example, not the broken one
    refused = client.get("/things/12-3", headers={"Prefer": "example=broken"})
    assert refused.status_code == 400
    assert "never served" in refused.text
    assert client.get("/things/12-3", headers={"Prefer": "example=good"}).json()["id"] == "a1"


def test_serve_prints_each_warning_once_with_a_count(monkeypatch):
    from specmock.runtime import server

    monkeypatch.setattr(server, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(main, ["serve", str(DEFECTS), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "warning(s) in" in result.output
    assert f"{DEFECTS}#{THING}/required: names repeated in `required`: id, kind" in result.output
    assert result.output.count(f"{THING}/required") == 1
    refused = CliRunner().invoke(main, ["serve", str(DEFECTS), "--strict-spec"])
    assert refused.exit_code == 1
    assert f"{THING}/required" in refused.output


def test_validate_strict_spec_fails_where_plain_validate_passes():
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(DEFECTS)]).exit_code == 0
    assert runner.invoke(main, ["validate", "--strict-spec", str(DEFECTS)]).exit_code == 1


needs_vendor = pytest.mark.skipif(not OPENAI.is_file(), reason="shared/vendor-refs not beside")


@needs_vendor
def test_openai_official_spec_lists_models_through_the_openai_client():
    with serve(OPENAI, quiet=True, seed=3) as server:
        assert any("required" in p.pointer for p in server.app.services[0].problems)
        client = openai.OpenAI(api_key="sk-test", base_url=server.url + "/v1")
        models = client.models.list()
        assert models.data and all(isinstance(m.id, str) for m in models.data)


@needs_vendor
def test_twilio_official_spec_lists_messages_through_the_twilio_client():
    sid = "AC" + "0" * 32
    with serve(TWILIO, quiet=True, seed=3) as server:
        client = twilio.rest.Client(sid, "token")
        client.api.base_url = server.url
        page = client.api.v2010.accounts(sid).messages.page(page_size=5)
        messages = list(page)
        assert messages and all(m.sid for m in messages)


def test_ecma_patterns_validate_requests_and_shape_generated_values():
    client = client_for(DEFECTS, strict=True)
    assert client.get("/things/12-_3").status_code == 200  # `[\d-_/]` is fine in ECMA-262
    refused = client.get("/things/abc")
    assert refused.status_code == 400 and "/id" in refused.text
    upper = regress.Regex(r"^\p{Lu}[a-z]*$", "u")
    for seed in range(5):
        labels = client_for(DEFECTS, seed=seed, strict=True).get("/labels").json()
        assert all(upper.find(label) is not None for label in labels), labels


AWS = REALWORLD / "aws_keys.yaml"
AMZ_JSON = "application/x-amz-json-1.1"


def _target(op: str) -> dict[str, str]:
    return {"X-Amz-Target": f"Shelf_20200101.{op}", "Content-Type": AMZ_JSON}


def test_amz_target_keys_route_post_root_by_header():
    client = client_for(AWS, strict=True)
    listed = client.post("/", content=b'{"Limit": 2}', headers=_target("ListBooks"))
    assert listed.status_code == 200 and "Books" in listed.json()
    got = client.post("/", content=b'{"Id": "b1"}', headers=_target("GetBook"))
    assert got.status_code == 200 and "Title" in got.json()
    # each operation's own body schema applies: GetBook requires Id
    assert client.post("/", content=b"{}", headers=_target("GetBook")).status_code == 400
    unknown = client.post("/", content=b"{}", headers=_target("Nope"))
    assert unknown.status_code in (404, 405)


def test_hash_query_keys_pick_the_variant_by_named_parameters():
    client = client_for(AWS, strict=True)
    assert client.get("/tags/arn:aws:x").status_code == 200
    assert client.delete("/tags/arn:aws:x?tagKeys=a&tagKeys=b").status_code == 204
    missing = client.delete("/tags/arn:aws:x")
    assert missing.status_code == 405 and "GET" in missing.headers["allow"]


def test_slash_and_no_slash_are_distinct_when_both_declared():
    client = client_for(AWS, strict=True)
    assert client.get("/coupon").status_code == 200
    assert client.post("/coupon").status_code == 201
    assert client.post("/coupon/").status_code == 202
    assert client.get("/coupon/").status_code == 405  # only POST is declared on /coupon/
    pets = client_for("petstore")
    assert pets.get("/pets/").status_code == pets.get("/pets").status_code == 200


ERRORS = REALWORLD / "errors.yaml"


def test_refusals_use_the_declared_error_media_type_and_schema():
    client = client_for(ERRORS, credentials=["k"])
    refused = client.get("/widgets")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert set(refused.json()) == {"code", "message"} and refused.json()["code"] == 401
    # no operation matched: the service's declared 404 shape
    missing = client.get("/nowhere", headers={"X-Key": "k"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.json()["code"] == 404
    # a declared media type without a schema: the problem's fields under that type
    bare = client.get("/gadgets")
    assert bare.status_code == 401 and bare.headers["content-type"] == "application/json"
    assert bare.json()["status"] == 401
    # nothing declared at all: problem+json
    pets = client_for("petstore", credentials=["k"]).delete("/pets")
    assert pets.headers["content-type"] == "application/problem+json"


def test_a_declared_accept_parameter_does_not_drive_negotiation():
    client = client_for(ERRORS, credentials=["k"])
    asked = client.get("/widgets", headers={"X-Key": "k", "Accept": "application/vnd.widgets+json"})
    assert asked.status_code == 200 and asked.headers["content-type"] == "application/json"
    # an operation without that parameter still negotiates
    refused = client.get("/gadgets", headers={"X-Key": "k", "Accept": "text/csv"})
    assert refused.status_code == 406


def test_importing_the_cli_leaves_mesh_proxy_and_tls_libraries_unloaded():
    code = (
        "import sys, specmock.cli\n"
        "heavy = ('aiohttp', 'httpx', 'cryptography.x509', 'specmock.mesh',\n"
        "         'specmock.overrides.s3')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


SWAGGER = REALWORLD / "swagger2.yaml"


def test_swagger2_is_served_as_openapi3():
    client = client_for(SWAGGER, credentials=["k", "user:pw"], strict=True)
    listed = client.get("/v1/items?limit=3&tags=a,b", headers={"X-Key": "k"})
    assert listed.status_code == 200 and listed.json() == []
    generated = client_for(SWAGGER, credentials=["k"], stateful=False, strict=True)
    answer = generated.get("/v1/items", headers={"X-Key": "k"})
    assert int(answer.headers["x-total"]) >= 0 and all("name" in i for i in answer.json())
    assert client.get("/v1/items?limit=99", headers={"X-Key": "k"}).status_code == 400
    created = client.post("/v1/items", json={"name": "lamp"}, headers={"X-Key": "k"})
    assert created.status_code == 201 and created.json()["name"] == "lamp"
    assert client.post("/v1/items", json={}, headers={"X-Key": "k"}).status_code == 400
    missing = client.get("/v1/items/999999", headers={"X-Key": "k"})
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message"}
    photo = client.post(
        "/v1/items/1/photo", files={"file": ("a.png", b"\x89PNG", "image/png")}, auth=("user", "pw")
    )
    assert photo.status_code == 204, photo.text
    caption_only = {"caption": (None, "x")}  # multipart, but without the required file
    no_file = client.post("/v1/items/1/photo", auth=("user", "pw"), files=caption_only)
    assert no_file.status_code == 400


def test_convert_command_writes_a_valid_openapi3_document(tmp_path):
    from openapi_spec_validator import validate

    out = tmp_path / "shop.yaml"
    result = CliRunner().invoke(main, ["convert", str(SWAGGER), "-o", str(out)])
    assert result.exit_code == 0, result.output
    converted = yaml.safe_load(out.read_text())
    validate(converted)
    assert converted["openapi"].startswith("3.0")
    assert converted["servers"] == [{"url": "https://shop.example.com/v1"}]
    body = converted["paths"]["/items/{id}/photo"]["post"]["requestBody"]
    assert (
        body["content"]["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    )
    assert load_service(out).operations  # and it loads as it is
    printed = CliRunner().invoke(main, ["convert", str(SWAGGER)])
    assert printed.exit_code == 0 and yaml.safe_load(printed.output) == converted


def test_progress_line_appears_only_when_loading_is_slow(monkeypatch):
    import io
    import time

    from specmock.cli import progress as progress_module

    monkeypatch.setattr(progress_module, "DELAY_S", 0.05)
    monkeypatch.setattr(progress_module, "INTERVAL_S", 0.05)
    out = io.StringIO()
    with progress_module.progress_line(stream=out) as progress:
        progress.start("big", "compiling", 300)
        progress.done = 120
        time.sleep(0.3)
    assert "specmock: big: compiling 120/300 operations" in out.getvalue()
    assert out.getvalue().endswith("\r")  # the line is wiped once loading is done
    quiet = io.StringIO()
    with progress_module.progress_line(enabled=False, stream=quiet) as progress:
        progress.start("big", "compiling", 300)
        time.sleep(0.2)
    assert quiet.getvalue() == ""
    fast = io.StringIO()
    monkeypatch.setattr(progress_module, "DELAY_S", 5)
    with progress_module.progress_line(stream=fast) as progress:
        progress.start("small", "compiling", 3)
    assert fast.getvalue() == ""


def test_loading_reports_phases_and_counts_to_the_progress():
    from specmock.generator.progress import Progress

    seen = Progress()
    create_app(AWS, progress=seen)
    assert (seen.phase, seen.done, seen.total) == ("compiling", 7, 7)


def test_explain_shows_the_defects_inside_an_operation():
    result = CliRunner().invoke(main, ["explain", str(DEFECTS)])
    assert result.exit_code == 0, result.output
    section = result.output.split("[getThing]")[1].split("[listLabels]")[0]
    assert "spec defect" in section and "'broken' does not match its schema; not served" in section


def test_draft_2019_recursive_refs_point_at_their_anchor():
    service = load_service(DEFECTS)
    assert (
        "2019-09"
        in _warnings(service)["/components/schemas/Filter/properties/filters/items/$recursiveRef"]
    )
    node = {"$ref": "#/components/schemas/Filter"}  # as a media type refers to it
    compiler = service.operations[0].compiler
    validator = compiler.validator(node, "request", "/components/schemas/Filter")
    assert validator.is_valid({"op": "and", "filters": [{"op": "eq"}]})
    assert not validator.is_valid({"op": "and", "filters": [{"op": "nope"}]})
    assert not any("invalid schema" in p.reason for p in compiler.problems)


def test_convert_writes_json_for_a_json_name(tmp_path):
    out = tmp_path / "shop.json"
    result = CliRunner().invoke(main, ["convert", str(SWAGGER), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["openapi"] == "3.0.3"
    not_swagger = CliRunner().invoke(main, ["convert", str(AWS)])
    assert not_swagger.exit_code == 1 and "not a Swagger 2.0 document" in not_swagger.output


def test_boto3_reaches_amz_target_operations_through_the_spec():
    import boto3

    with serve(REALWORLD / "dynamodb_min.yaml", quiet=True, seed=4, strict=True) as server:
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="AKID",
            aws_secret_access_key="secret",
        )
        tables = client.list_tables(Limit=5)
        assert tables["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert all(len(name) >= 3 for name in tables.get("TableNames", []))
        limits = client.describe_limits()
        assert limits["AccountMaxReadCapacityUnits"] >= 1


def test_percent_encoded_refs_into_paths_resolve():
    shape = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    ref = "#/paths/~1apps~1%7Bapp_id%7D/get/responses/200/content/application~1json;%20v=1/schema"
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/apps/{app_id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "app_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json; v=1": {"schema": shape}},
                        }
                    },
                }
            },
            "/copies": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref}}},
                        }
                    }
                }
            },
        },
    }
    service = load_service(spec, strict=True)
    assert not service.problems
    answer = client_for(spec, strict=True, stateful=False).get("/copies")
    assert answer.status_code == 200 and isinstance(answer.json()["id"], int)


def test_refusals_declared_without_a_body_or_as_text_keep_to_that():
    client = client_for(ERRORS, credentials=["k"])
    bad = client.post("/certificates", json={}, headers={"X-Key": "k"})
    assert bad.status_code == 400 and bad.content == b"" and "content-type" not in bad.headers
    assert "number" in bad.headers["x-specmock-problem"]
    denied = client.post("/certificates", json={"number": "1"})
    assert denied.status_code == 401 and denied.headers["content-type"].startswith("text/plain")
    assert "credentials" in denied.text


def test_refusal_bodies_stay_valid_when_the_message_cannot_be_written_in():
    client = client_for(ERRORS, credentials=["k"])
    bad = client.post("/coded", json={}, headers={"X-Key": "k"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/json"
    assert bad.json()["error"] in ("missing_parameter", "invalid_parameter")
    assert "/n" in bad.headers["x-specmock-problem"]


CORPUS = REALWORLD / "corpus_cases.yaml"


def test_text_body_with_a_non_string_schema_is_read_by_its_json_spelling():
    client = client_for(CORPUS)
    plain = {"content-type": "text/plain"}
    job = client.post("/jobs", content=b'{"jar": "wordcount.jar"}', headers=plain)
    assert job.status_code == 200
    for text in (b"jar=wordcount.jar", b"[1]", b'"a string"'):
        refused = client.post("/jobs", content=text, headers=plain)
        assert refused.status_code == 400 and "is not of type" in refused.text, text


def test_required_accept_and_content_type_header_parameters_are_ignored():
    client = client_for(CORPUS)
    # OpenAPI: header parameters named Accept, Content-Type or Authorization are ignored
    ignored = client.get("/notes", headers={"Accept": "", "X-Tenant": "t"})
    assert ignored.status_code == 200 and "content-type" not in ignored.request.headers
    missing = client.get("/notes")  # any other required header is still enforced
    assert missing.status_code == 400 and "X-Tenant" in missing.text


def test_spec_shapes_no_client_can_meet_are_load_warnings():
    found = _warnings(load_service(CORPUS))
    form = "/paths/~1portability/post/requestBody/content/application~1x-www-form-urlencoded"
    assert "'PhoneNumbers' cannot be sent empty" in found[form + "/schema/required"]
    assert "answered 400" in found["/paths/~1settings/get/responses"]
    assert "never sent" in found["/paths/~1tags/post/responses/204/content"]
    assert "/render/{templateId}" in found["/paths/~1render~1{renderId}"]
    with pytest.raises(SpecError, match="204 response has no content"):
        load_service(CORPUS, strict=True)
    client = client_for(CORPUS)
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    empty = client.post("/portability", content=b"", headers=form_type)
    assert empty.status_code == 400 and "PhoneNumbers" in empty.text
    one = client.post("/portability", content=b"PhoneNumbers=%2B16175551212", headers=form_type)
    assert one.status_code == 202


def test_a_204_is_sent_without_content_whatever_the_spec_declares():
    tagged = client_for(CORPUS).post("/tags")
    assert tagged.status_code == 204 and tagged.content == b""
    assert "content-type" not in tagged.headers


def test_paths_equal_but_for_parameter_names_are_told_apart_by_method():
    client = client_for(CORPUS)
    assert client.post("/render/t1").status_code == 200
    assert client.get("/render/r1").status_code == 200
    refused = client.post("/render/r1")  # each operation checks its own parameter
    assert refused.status_code == 400 and "templateId" in refused.text
    assert client.get("/render/t1").status_code == 400
    other = client.delete("/render/t1")
    assert other.status_code == 405 and {"GET", "POST"} <= set(other.headers["allow"].split(", "))
