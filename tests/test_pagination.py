"""Lists page by the spec's own parameters: limit/offset, page/size, cursors; Link headers."""

from __future__ import annotations

import httpx
import pytest

from .conftest import client_for


def _spec(params: list[dict], envelope: bool, extra: dict | None = None) -> dict:
    item = {"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "integer", "readOnly": True},
                           "name": {"type": "string"}, "color": {"type": "string"}}}
    listing = {"type": "array", "items": item}
    if envelope:
        listing = {"type": "object", "properties": {"data": listing,
                                                     "total_count": {"type": "integer"},
                                                     "has_more": {"type": "boolean"}},
                   "required": ["data"]}
    ops = {
        "get": {"parameters": params, "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": listing}}}}},
        "post": {"requestBody": {"required": True, "content": {"application/json": {
            "schema": item}}}, "responses": {"201": {"description": "ok", "content": {
                "application/json": {"schema": item}}}}, **(extra or {})},
    }
    one = {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                   "schema": {"type": "integer"}}],
                   "responses": {"200": {"description": "ok", "content": {
                       "application/json": {"schema": item}}}, "404": {"description": "no"}}}}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/things": ops, "/things/{id}": one}}


def _fill(client, count: int = 7) -> None:
    for i in range(count):
        color = "red" if i % 2 else "blue"
        assert client.post("/things", json={"name": f"t{i}", "color": color}).status_code == 201


def _q(name: str, kind: str = "integer") -> dict:
    return {"name": name, "in": "query", "schema": {"type": kind}}


def test_page_and_size_with_link_to_the_next_page():
    client = client_for(_spec([_q("page"), _q("size")], envelope=True))
    _fill(client)
    first = client.get("/things?page=1&size=3")
    body = first.json()
    assert [t["name"] for t in body["data"]] == ["t0", "t1", "t2"]
    assert body["total_count"] == 7 and body["has_more"] is True
    link = first.headers["link"]
    assert 'rel="next"' in link and "page=2" in link and "size=3" in link
    last = client.get("/things?page=3&size=3").json()
    assert [t["name"] for t in last["data"]] == ["t6"] and last["has_more"] is False


def test_cursor_pages_through_everything_once():
    client = client_for(_spec([_q("limit"), _q("cursor", "string")], envelope=False))
    _fill(client)
    seen, url = [], "/things?limit=3"
    while url:
        response = client.get(url)
        seen += [t["name"] for t in response.json()]
        link = response.headers.get("link")
        url = httpx.URL(link.split(";")[0].strip("<>")).raw_path.decode() if link else None
    assert seen == [f"t{i}" for i in range(7)]


def test_filters_match_property_names():
    client = client_for(_spec([_q("color", "string")], envelope=False))
    _fill(client)
    reds = client.get("/things?color=red").json()
    assert {t["name"] for t in reds} == {"t1", "t3", "t5"}


@pytest.mark.parametrize("kind", ["action", "none"])
def test_x_specmock_kind_corrects_the_guess(kind):
    spec = _spec([], envelope=False, extra={"x-specmock-kind": kind})
    client = client_for(spec)
    assert client.post("/things", json={"name": "a"}).status_code == 201
    roles = {op.method + " " + op.path: op.role for op in client.app.services[0].operations}
    assert roles["POST /things"].kind == ("action" if kind == "action" else "other")
    # with nothing creating things, reads are generated, not looked up in the store
    assert not roles["GET /things/{id}"].stateful
    assert client.get("/things/12345").status_code == 200


def test_stateful_list_sends_declared_total_and_sorts_in_the_store():
    spec = _spec([_q("limit"), _q("offset"), _q("sort", "string")], envelope=False)
    total = {"X-Total-Count": {"schema": {"type": "integer", "minimum": 0}}}
    spec["paths"]["/things"]["get"]["responses"]["200"]["headers"] = total
    client = client_for(spec)
    _fill(client)
    page = client.get("/things?color=red&limit=2&sort=-name")
    assert [t["name"] for t in page.json()] == ["t5", "t3"]
    assert page.headers["x-total-count"] == "3"
    assert "offset=2" in page.headers["link"] and "color=red" in page.headers["link"]
    assert client.get("/things?limit=1").headers["x-total-count"] == "7"
