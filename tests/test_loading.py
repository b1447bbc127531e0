"""Loading contracts: versions, multi-file refs, broken specs refused with a location."""

from __future__ import annotations

import httpx
import orjson
import pytest

from specmock import SpecError, create_app, load_service
from specmock.testing import serve

from .conftest import TEST_SPECS, client_for

BROKEN = TEST_SPECS / "broken"


@pytest.mark.parametrize(
    ("name", "pointer", "words"),
    [
        ("missing_info.yaml", "/info", "info"),
        ("bad_ref.yaml", "/$ref", "does not resolve"),
        ("bad_yaml.yaml", "", "line"),
        ("not_openapi.yaml", "", "mapping"),
        ("bad_param.yaml", "/in", "`in` must be"),
        ("bad_schema.yaml", "/type", "unknown type 'strin'"),
        ("missing_external.yaml", "/schema", "not found"),
    ],
)
def test_broken_spec_is_refused_with_file_pointer_and_reason(name, pointer, words):
    with pytest.raises(SpecError) as info:
        load_service(BROKEN / name, strict=True)
    problem = info.value.problems[0]
    assert problem.file.endswith(name) or name.replace(".yaml", "") in problem.file
    assert problem.pointer.endswith(pointer)
    assert words in problem.reason
    if name in SERVABLE:  # served by default, the defect kept as a warning
        service = load_service(BROKEN / name)
        assert any(p.pointer.endswith(pointer) and words in p.reason for p in service.problems)
    else:
        with pytest.raises(SpecError):
            load_service(BROKEN / name)


SERVABLE = {"missing_info.yaml", "bad_param.yaml", "bad_schema.yaml"}


def test_every_problem_is_reported_not_just_the_first():
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"responses": {"200": {"$ref": "#/nope/1"}}}},
            "/b": {
                "get": {"parameters": [{"in": "query"}], "responses": {"200": {"$ref": "#/nope/2"}}}
            },
        },
    }
    with pytest.raises(SpecError) as info:
        load_service(spec, strict=True)
    assert len(info.value.problems) >= 3


def test_multi_file_refs_resolve_and_serve():
    client = client_for(TEST_SPECS / "multifile" / "main.yaml", credentials=["k"])
    service = client.app.services[0]
    assert len(service.operations) >= 3
    for op in service.operations:
        if op.method == "GET" and "{" not in op.path:
            response = client.get("/shop" + op.path)
            assert response.status_code == 200, (op.path, response.text)


def test_openapi_31_and_json_specs_load(tmp_path):
    spec = tmp_path / "tiny.json"
    spec.write_text(
        '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {'
        '"/n": {"get": {"responses": {"200": {"description": "ok", "content": {'
        '"application/json": {"schema": {"type": ["integer", "null"]}}}}}}}}}'
    )
    client = client_for(spec)
    assert client.get("/n").status_code == 200


def test_openapi_32_is_read_as_31_with_item_schema_events(tmp_path):
    text = (TEST_SPECS / "ticker.yaml").read_text().replace("openapi: 3.1.0", "openapi: 3.2.0")
    spec = tmp_path / "ticker32.yaml"
    spec.write_text(text)
    service = load_service(spec)
    assert service.document.version == "3.2"
    with serve(str(spec), seed=5, quiet=True) as server:
        headers = {"accept": "text/event-stream", "x-specmock-stream": "interval=0,count=3"}
        text = httpx.get(server.url + "/ticks", headers=headers).text
    blocks = [b for b in text.split("\n\n") if "data: " in b]
    assert len(blocks) == 3
    for block in blocks:  # itemSchema: `event` is its const, `data` follows contentSchema
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        assert fields["event"] == "tick"
        assert orjson.loads(fields["data"])["symbol"] in ("ACME", "INIT")
    # 3.1 schema rules hold in 3.2: type arrays validate, 3.0's boolean bounds are flagged
    doc = {
        "openapi": "3.2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/n": {
                "get": {
                    "parameters": [
                        {
                            "name": "n",
                            "in": "query",
                            "schema": {
                                "type": ["integer", "null"],
                                "minimum": 1,
                                "exclusiveMinimum": True,
                            },
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    assert any("boolean `exclusiveMinimum`" in p.reason for p in load_service(doc).problems)
    assert client_for(doc).get("/n", params={"n": "x"}).status_code == 400
    doc["openapi"] = "3.3.0"
    with pytest.raises(SpecError, match=r"3\.2\.x are served"):
        load_service(doc)


def test_circular_schema_generation_is_bounded():
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/tree": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Node"}
                                }
                            },
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "required": ["name", "children"],
                    "properties": {
                        "name": {"type": "string"},
                        "children": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Node"},
                        },
                        "parent": {"$ref": "#/components/schemas/Node"},
                    },
                }
            }
        },
    }
    for seed in range(20):
        response = client_for(spec, seed=seed).get("/tree")
        assert response.status_code == 200


def test_service_name_from_extension_or_file():
    assert load_service("specs/petstore.yaml").name == "petstore"
    assert load_service(TEST_SPECS / "forms.yaml").name == "forms"


def test_folder_mounts_each_spec_under_its_prefix(tmp_path):
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.yaml").write_text(
            "openapi: 3.0.3\ninfo: {title: " + name + ", version: '1'}\n"
            "paths:\n  /ping:\n    get:\n      responses:\n        '200':\n"
            "          description: ok\n          content:\n            application/json:\n"
            "              schema: {type: string, const: " + name + "}\n"
        )
    client = client_for(tmp_path)
    assert client.get("/alpha/ping").json() == "alpha"
    assert client.get("/beta/ping").json() == "beta"
    assert client.get("/ping").status_code == 404


def test_two_specs_with_one_name_conflict(tmp_path):
    text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-specmock-name: same\npaths: {}\n"
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        create_app(tmp_path)
    assert "same" in str(info.value)


def test_unknown_source_lists_bundled_specs():
    with pytest.raises(SpecError) as info:
        create_app("no-such-spec")
    assert "petstore" in info.value.problems[0].reason
