"""Engine features any spec can use: XML bodies read and written through OpenAPI `xml`
objects, operations chosen by a query condition in the path key, greedy path parameters,
and streamed request and response bodies."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from specmock import Context, Overrides, Reply, create_app, from_xml, to_xml
from specmock.runtime.router import Condition, split_condition, without_marker

ROOT = {
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "xml": {"name": "pet", "namespace": "urn:pets"},
                "properties": {
                    "id": {"type": "integer", "xml": {"attribute": True}},
                    "name": {"type": "string"},
                    "vaccinated": {"type": "boolean"},
                    "tags": {
                        "type": "array",
                        "xml": {"wrapped": True},
                        "items": {"type": "string", "xml": {"name": "tag"}},
                    },
                    "photos": {"type": "array", "items": {"type": "string"}},
                    "owner": {"$ref": "#/components/schemas/Owner"},
                },
            },
            "Owner": {"type": "object", "properties": {"email": {"type": "string"}}},
        }
    }
}
PET = {"$ref": "#/components/schemas/Pet"}


def test_xml_round_trip_follows_the_xml_objects():
    value = {
        "id": 7,
        "name": "Rex",
        "vaccinated": True,
        "tags": ["good", "dog"],
        "photos": ["a.jpg", "b.jpg"],
        "owner": {"email": "o@example.com"},
    }
    xml = to_xml(value, PET, ROOT)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<pet xmlns="urn:pets" id="7">')
    assert b"<tags><tag>good</tag><tag>dog</tag></tags>" in xml
    assert b"<photos>a.jpg</photos><photos>b.jpg</photos>" in xml
    assert b"<vaccinated>true</vaccinated>" in xml
    assert from_xml(xml, PET, ROOT) == value


def test_component_name_is_the_default_document_element():
    schema = {"$ref": "#/components/schemas/Owner"}
    assert to_xml({"email": "x"}, schema, ROOT).endswith(b"<Owner><email>x</email></Owner>")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<pet><name>x</pet>", "malformed XML"),
        (b"<dog/>", "must be <pet>"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><pet><name>&a;</name></pet>',
            "forbidden XML construct",
        ),
    ],
)
def test_bad_xml_is_refused_with_a_reason(body, reason):
    with pytest.raises(ValueError, match=reason):
        from_xml(body, PET, ROOT)


def test_xml_size_limit():
    with pytest.raises(ValueError, match="exceeds 10 bytes"):
        from_xml(b"<pet><name>long name</name></pet>", PET, ROOT, limit=10)


def test_text_where_an_object_belongs_stays_text_for_validation():
    assert from_xml(b"<pet>oops</pet>", PET, ROOT) == "oops"


def test_split_condition_and_marker():
    assert split_condition("/{Bucket}?list-type=2") == (
        "/{Bucket}",
        Condition((("list-type", "2"),)),
    )
    assert split_condition("/{Bucket}?uploads") == ("/{Bucket}", Condition((("uploads", None),)))
    assert split_condition("/pets") == ("/pets", None)
    query = {"uploadId": ["", "abc"], "partNumber": ["1"]}
    assert without_marker("/{B}/{K}?uploadId", query)["uploadId"] == ["abc"]
    assert without_marker("/{B}/{K}", query) is query


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "files", "version": "1"},
    "paths": {
        "/{bucket}/{path}": {
            "parameters": [
                {"name": "bucket", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "path",
                    "in": "path",
                    "required": True,
                    "x-specmock-greedy": True,
                    "schema": {"type": "string"},
                },
            ],
            "get": {"operationId": "read", "responses": {"200": {"description": "ok"}}},
            "put": {
                "operationId": "write",
                "x-specmock-stream-body": True,
                "requestBody": {"content": {"*/*": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/{bucket}/{path}?versions": {
            "parameters": [
                {"name": "bucket", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "path",
                    "in": "path",
                    "required": True,
                    "x-specmock-greedy": True,
                    "schema": {"type": "string"},
                },
            ],
            "get": {"operationId": "versions", "responses": {"200": {"description": "ok"}}},
        },
        "/{bucket}/meta": {
            "get": {"operationId": "meta", "responses": {"200": {"description": "ok"}}},
        },
    },
}


def _overrides() -> Overrides:
    overrides = Overrides()

    async def read(ctx: Context) -> Reply:
        async def chunks():
            for piece in (b"path=", ctx.path_params["path"].encode()):
                yield piece

        return Reply(status=200, raw=b"", media_type="text/plain", stream=chunks())

    async def write(ctx: Context) -> Reply:
        size = 0
        async for chunk in ctx.stream:
            size += len(chunk)
        return Reply(status=200, raw=str(size).encode(), media_type="text/plain")

    async def versions(ctx: Context) -> Reply:
        text = b"versions of " + ctx.path_params["path"].encode()
        return Reply(status=200, raw=text, media_type="text/plain")

    overrides.register("read", read)
    overrides.register("write", write)
    overrides.register("versions", versions)
    return overrides


def make_client() -> TestClient:
    app = create_app(SPEC, quiet=True)
    app.max_body = 16
    app.overrides = _overrides()
    return TestClient(app)


def test_greedy_path_parameter_takes_slashes():
    web = make_client()
    answer = web.get("/b/photos/2024/cat%20one.jpg")
    assert answer.text == "path=photos/2024/cat one.jpg"
    assert web.get("/b/dir/").text == "path=dir/"
    assert web.get("/b/meta").status_code == 200  # a literal segment still wins


def test_query_condition_selects_the_operation():
    web = make_client()
    assert web.get("/b/a/b?versions").text == "versions of a/b"
    assert web.get("/b/a/b").text == "path=a/b"
    refused = web.put("/b/a/b?versions", content=b"x")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"


def test_streamed_request_body_has_no_size_limit():
    web = make_client()
    assert web.put("/b/big", content=b"x" * 1000).text == "1000"  # max_body is 16


def test_virtual_host_rewrite():
    from specmock.runtime.vhost import VirtualHost, rewrite

    alone = [VirtualHost("", "localhost")]
    assert rewrite(alone, "photos.localhost:9000", "/cat.jpg") == "/photos/cat.jpg"
    assert rewrite(alone, "photos.localhost", "/") == "/photos"
    assert rewrite(alone, "localhost:9000", "/cat.jpg") == "/cat.jpg"
    assert rewrite(alone, "127.0.0.1:9000", "/b/k") == "/b/k"
    mounted = [VirtualHost("/s3", "localhost")]
    assert rewrite(mounted, "b.localhost", "/s3/k") == "/s3/b/k"
    assert rewrite(mounted, "b.localhost", "/other/k") == "/other/k"


XML_API = {
    "openapi": "3.0.3",
    "info": {"title": "xml", "version": "1"},
    "x-specmock-stateful": False,
    "paths": {
        "/notes": {
            "post": {
                "operationId": "addNote",
                "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/xml": {"schema": {"$ref": "#/components/schemas/Note"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/xml": {"schema": {"$ref": "#/components/schemas/Note"}}
                        },
                    },
                    "400": {
                        "description": "bad",
                        "content": {
                            "application/xml": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Note": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string"}, "stars": {"type": "integer"}},
            },
            "Error": {
                "type": "object",
                "required": ["Code", "Message"],
                "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}},
            },
        }
    },
}


def test_xml_api_end_to_end():
    web = TestClient(create_app(XML_API, quiet=True, seed=3))
    ok = web.post(
        "/notes",
        content=b"<Note><text>hi</text><stars>4</stars></Note>",
        headers={"content-type": "application/xml"},
    )
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/xml")
    assert ok.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Note>')
    bad = web.post(
        "/notes",
        content=b"<Note><stars>many</stars></Note>",
        headers={"content-type": "application/xml"},
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/xml")
    assert b"<Error><Code>" in bad.content and b"text" in bad.content
    hostile = web.post(
        "/notes?n=x",
        content=b"<Note><text>a</text></Note>",
        headers={"content-type": "application/xml"},
    )
    assert hostile.status_code == 400 and b"<Message>" in hostile.content
