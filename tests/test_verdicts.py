"""Bodies proven valid once are not walked again: the verdict belongs to the exact bytes
and to the schema that judged them, so the same bytes against another schema, or an
invalid body sent twice, are still judged."""

from __future__ import annotations

from tests.conftest import client_for


def _op(name: str, kind: str) -> dict:
    schema = {
        "type": "object",
        "required": ["x"],
        "properties": {"x": {"type": kind}},
    }
    content = {"application/json": {"schema": schema}}
    return {
        "post": {
            "operationId": name,
            "requestBody": {"required": True, "content": content},
            "responses": {"200": {"description": "ok", "content": content}},
        }
    }


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "verdicts", "version": "1"},
    "paths": {"/text": _op("postText", "string"), "/number": _op("postNumber", "integer")},
}
SAME = b'{"x":"1"}'
JSON = {"content-type": "application/json"}


def test_the_same_request_bytes_are_judged_by_each_schema():
    client = client_for(SPEC, stateful=False)
    for _ in range(2):
        assert client.post("/text", content=SAME, headers=JSON).status_code == 200
    for _ in range(2):
        refused = client.post("/number", content=SAME, headers=JSON)
        assert refused.status_code == 400
        assert "/x" in refused.text
    assert client.post("/text", content=SAME, headers=JSON).status_code == 200


def test_the_same_answer_bytes_are_judged_by_each_schema(tmp_path):
    module = tmp_path / "answers.py"
    module.write_text(
        "from specmock import Reply, override\n\n"
        "@override('postText')\ndef text(ctx):\n    return Reply({'x': '1'})\n\n"
        "@override('postNumber')\ndef number(ctx):\n    return Reply({'x': '1'})\n"
    )
    client = client_for(SPEC, stateful=False, overrides=[module], strict=True)
    for _ in range(2):
        assert client.post("/text", json={"x": "a"}).content == SAME
    for _ in range(2):
        broken = client.post("/number", json={"x": 2})
        assert broken.status_code == 500
        assert broken.json()["errors"][0]["pointer"] == "/x"
