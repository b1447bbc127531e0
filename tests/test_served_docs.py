"""Served docs: contracts as JSON and YAML pointing at the mock, references, an index."""

from __future__ import annotations

import yaml
from starlette.testclient import TestClient

from specmock import create_app
from specmock.runtime.docs import ASSET, ServedDocs


def _client(*specs: str) -> TestClient:
    return TestClient(ServedDocs(create_app(list(specs), seed=1, quiet=True)))


def test_one_spec_is_served_at_the_root_with_servers_rewritten():
    client = _client("petstore")
    document = client.get("/openapi.json").json()
    assert document["servers"] == [{"url": "http://testserver", "description": "specmock"}]
    assert "/pets" in document["paths"]
    text = client.get("/openapi.yaml")
    assert text.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(text.text)["paths"].keys() == document["paths"].keys()
    page = client.get("/docs")
    assert page.headers["content-type"].startswith("text/html")
    assert 'spec-url="/openapi.json"' in page.text
    assert ASSET in page.text
    assert client.get("/pets").status_code == 200  # the service itself is untouched


def test_several_specs_get_an_index_and_docs_under_each_prefix():
    client = _client("petstore", "s3")
    index = client.get("/")
    assert index.status_code == 200
    for link in ("/petstore/docs", "/s3/openapi.json", "/s3/openapi.yaml", "/__specmock/ui"):
        assert f"'{link}'" in index.text or f'"{link}"' in index.text
    assert client.get("/docs").text == index.text
    document = client.get("/s3/openapi.json", headers={"host": "mock:9000"}).json()
    assert document["servers"][0]["url"] == "http://mock:9000/s3"
    assert client.get("/nothing/openapi.json").status_code == 404


def test_a_spec_that_declares_a_docs_path_keeps_it():
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Own docs", "version": "1"},
        "paths": {
            "/docs": {
                "get": {
                    "operationId": "ownDocs",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"const": "mine"}}},
                        }
                    },
                }
            }
        },
    }
    client = TestClient(ServedDocs(create_app(spec, seed=1, quiet=True)))
    assert client.get("/docs").json() == "mine"
    assert client.get("/openapi.json").json()["info"]["title"] == "Own docs"


def test_the_reference_script_ships_in_the_package_and_head_has_no_body():
    client = _client("petstore")
    script = client.get(ASSET)
    assert script.headers["content-type"] == "text/javascript"
    assert len(script.content) > 500_000
    head = client.head("/openapi.json")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(client.get("/openapi.json").content)


def test_a_template_that_takes_docs_keeps_it_and_the_reference_moves():
    """S3's /{Bucket}: a bucket named docs stays a bucket, even on GET."""
    app = create_app(["petstore", "s3"], seed=1, quiet=True, options={"s3_auth": "off"})
    client = TestClient(ServedDocs(app))
    assert client.put("/s3/docs").status_code == 200  # a bucket named docs
    listing = client.get("/s3/docs")
    assert listing.status_code == 200 and "ListBucketResult" in listing.text
    index = client.get("/").text
    assert "href='/__specmock/docs/s3'" in index and "href='/petstore/docs'" in index
    moved = client.get("/__specmock/docs/s3")
    assert 'spec-url="/s3/openapi.json"' in moved.text
    assert client.get("/s3/openapi.json").json()["info"]["title"]
    assert client.get("/__specmock/docs/nothing").status_code == 404
