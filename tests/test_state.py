"""Stateful CRUD inferred from the contract, through every store backend."""

from __future__ import annotations

import sys

import pytest
from starlette.testclient import TestClient

from specmock import VirtualClock, create_app
from specmock.generator.resources import classify

from .conftest import ROOT, TEST_SPECS, client_for
from .redis_server import redis_url  # noqa: F401

KEY = {"X-API-Key": "k"}


@pytest.fixture(params=["memory", "sqlite", "redis"])
def state_url(request, tmp_path):
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return request.getfixturevalue("redis_url")


def test_classification_of_a_crud_spec():
    app = create_app(TEST_SPECS / "petstore.yaml")
    roles = {op.operation_id: op.role for op in app.services[0].operations}
    kinds = {name: role.kind for name, role in roles.items()}
    assert kinds == {"listPets": "list", "createPet": "create", "getPet": "read",
                     "replacePet": "replace", "updatePet": "update", "deletePet": "delete"}
    resource = roles["createPet"].resource
    assert (resource.name, resource.id_field, resource.id_param) == ("pets", "id", "petId")
    assert classify(app.services[0])  # stable when run again


def test_create_read_page_update_delete(state_url):
    with client_for(TEST_SPECS / "petstore.yaml", credentials=["k"], state=state_url) as client:
        client.delete("/__specmock/state")
        _crud_round_trip(client)


def _crud_round_trip(client):
    made = []
    for name in ("Rex", "Tom", "Kit", "Bo", "Max"):
        response = client.post("/v1/pets", json={"name": name, "tag": "cat"}, headers=KEY)
        assert response.status_code == 201, response.text
        assert response.headers["location"].endswith(f"/v1/pets/{response.json()['id']}")
        made.append(response.json())
    assert [p["id"] for p in made] == [1, 2, 3, 4, 5]
    assert client.get("/v1/pets/2").json()["name"] == "Tom"
    page = client.get("/v1/pets?limit=2&offset=2").json()
    assert [p["name"] for p in page["items"]] == ["Kit", "Bo"] and page["total"] == 5
    patched = client.patch("/v1/pets/2", json={"tag": "dog"}, headers={
        **KEY, "content-type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json()["tag"] == "dog"
    assert patched.json()["name"] == "Tom"
    replaced = client.put("/v1/pets/3", json={"name": "Kitty"}, headers=KEY)
    assert replaced.json()["name"] == "Kitty" and "tag" not in replaced.json()
    assert client.get("/v1/pets?tag=dog").json()["items"][0]["id"] == 2
    assert client.delete("/v1/pets/2", headers=KEY).status_code == 204
    gone = client.get("/v1/pets/2")
    assert gone.status_code == 404 and gone.json()["errors"][0]["rule"] == "exists"
    assert client.get("/v1/pets/999").status_code == 404
    assert client.patch("/v1/pets/999", json={"tag": "x"}, headers={
        **KEY, "content-type": "application/merge-patch+json"}).status_code == 404
    assert client.get("/v1/pets").json()["total"] == 4


def test_sqlite_state_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'pets.db'}"
    with client_for("petstore", state=url) as first:
        created = first.post("/pets", json={"name": "Rex"}).json()
    with client_for("petstore", state=url) as second:
        assert second.get(f"/pets/{created['id']}").json()["name"] == "Rex"
        assert second.post("/pets", json={"name": "Tom"}).json()["id"] == created["id"] + 1


def test_stateless_service_generates_instead():
    client = client_for("petstore", stateful=False)
    assert client.get("/pets/5").status_code == 200


def test_fixtures_reset_and_export(tmp_path):
    data = tmp_path / "pets.yaml"
    data.write_text("petstore:\n  pets:\n    - {id: 10, name: Rex}\n    - {id: 11, name: Tom}\n")
    with client_for("petstore", data=[data]) as client:
        assert client.get("/pets/11").json()["name"] == "Tom"
        assert client.post("/pets", json={"name": "New"}).json()["id"] == 12
        exported = client.get("/__specmock/state").json()
        assert [p["id"] for p in exported["petstore:/pets"]] == [10, 11, 12]
        assert client.delete("/__specmock/state?service=petstore").status_code == 204
        assert client.get("/pets").json() == []
        loaded = client.post("/__specmock/state", json={"petstore": {"/pets": [{"name": "Z"}]}})
        assert loaded.json() == {"stored": 1}
        bad = client.post("/__specmock/state", json={"petstore": {"cats": []}})
        assert bad.status_code == 404 and "no resource 'cats'" in bad.text


def test_clock_drives_timestamps():
    spec = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/notes": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"text": {"type": "string"}}}}}},
                "responses": {"201": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Note"}}}}}}},
            "/notes/{id}": {
                "get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                        "schema": {"type": "integer"}}],
                        "responses": {"200": {"description": "ok", "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
                            "404": {"description": "missing"}}},
                "patch": {"parameters": [{"name": "id", "in": "path", "required": True,
                                          "schema": {"type": "integer"}}],
                          "requestBody": {"content": {"application/merge-patch+json": {
                              "schema": {"type": "object"}}}},
                          "responses": {"200": {"description": "ok", "content": {
                              "application/json": {"schema": {"$ref": "#/components/schemas/Note"}}
                          }}, "404": {"description": "missing"}}}}},
        "components": {"schemas": {"Note": {"type": "object", "required": ["id", "created_at"],
            "properties": {"id": {"type": "integer", "readOnly": True},
                           "text": {"type": "string"},
                           "created_at": {"type": "string", "format": "date-time"},
                           "updated_at": {"type": "string", "format": "date-time"}}}}},
    }
    clock = VirtualClock(start=1_700_000_000)
    client = client_for(spec, clock=clock)
    note = client.post("/notes", json={"text": "hi"}).json()
    assert note["created_at"] == "2023-11-14T22:13:20Z"
    moved = client.post("/__specmock/clock", json={"advance": 3600}).json()
    assert moved["now"] == "2023-11-14T23:13:20Z" and moved["frozen"]
    patched = client.patch(f"/notes/{note['id']}", json={"text": "later"},
                           headers={"content-type": "application/merge-patch+json"}).json()
    assert patched["created_at"] == "2023-11-14T22:13:20Z"
    assert patched.get("updated_at") in (None, "2023-11-14T23:13:20Z")


def test_example_override_module_from_the_readme():
    example = ROOT / "examples" / "petstore_overrides.py"
    client = client_for("petstore", overrides=[example])
    first = client.post("/pets", json={"name": "Rex", "tag": "x"})
    assert first.status_code == 201 and first.json()["status"] == "available"
    again = client.post("/pets", json={"name": "Rex"})
    assert again.status_code == 400 and "exists" in again.json()["message"]
    pet_id = first.json()["id"]
    assert client.delete(f"/pets/{pet_id}").status_code == 204
    assert client.get(f"/pets/{pet_id}").status_code == 404


def test_override_results_are_checked_against_the_contract(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text(
        "from specmock import Reply, override\n\n"
        "@override('showPetById')\n"
        "def show(ctx):\n    return Reply({'id': 'not-an-int', 'name': 'x'})\n\n"
        "@override('listPets')\n"
        "def boom(ctx):\n    raise RuntimeError('kaput')\n")
    client = client_for("petstore", overrides=[module], strict=True)
    broken = client.get("/pets/1")
    assert broken.status_code == 500 and broken.json()["errors"][0]["pointer"] == "/id"
    crashed = client.get("/pets")
    assert crashed.status_code == 500 and "kaput" in crashed.json()["detail"]


def test_overrides_reload_on_change_keeping_state(tmp_path):
    module = tmp_path / "hooks.py"
    module.write_text("from specmock import override\n\n"
                      "@override('listPets')\ndef pets(ctx):\n    return []\n")
    client = client_for("petstore", overrides=[module])
    client.post("/pets", json={"name": "Rex"})
    assert client.get("/pets").json() == []
    module.write_text("from specmock import override\n\n"
                      "@override('listPets')\ndef pets(ctx):\n    return None\n")
    import os
    os.utime(module, (1, 2_000_000_000))
    assert client.app.overrides.reload_changed() == [module]
    assert [p["name"] for p in client.get("/pets").json()] == ["Rex"]
    module.write_text("this is not python(")
    os.utime(module, (1, 2_000_000_100))
    assert client.app.overrides.reload_changed() == []
    assert [p["name"] for p in client.get("/pets").json()] == ["Rex"]


def test_spec_hot_reload_keeps_state_and_survives_a_broken_edit(tmp_path):
    spec = tmp_path / "pets.yaml"
    text = (ROOT / "specs" / "petstore.yaml").read_text()
    spec.write_text(text)
    client = client_for(spec)
    client.post("/pets", json={"name": "Rex"})
    import os
    spec.write_text(text.replace("summary: One pet", "summary: One pet, reloaded"))
    os.utime(spec, (1, 2_000_000_000))
    assert client.app.reload_specs() == [str(spec)]
    assert client.get("/pets/1").json()["name"] == "Rex"
    spec.write_text("openapi: 3.0.3\ninfo: [broken\n")
    os.utime(spec, (1, 2_000_000_100))
    assert client.app.reload_specs() == []
    assert client.get("/pets/1").json()["name"] == "Rex"


def test_overrides_see_uploaded_bytes(tmp_path):
    module = tmp_path / "files.py"
    module.write_text(
        "import hashlib\nfrom specmock import Reply, override\n\n"
        "@override('uploadDocument')\ndef up(ctx):\n"
        "    part = ctx.files['file'][0]\n"
        "    return Reply({'id': 'doc00001', 'size': len(part.content),\n"
        "                  'content_type': part.content_type, 'uploaded_at': ctx.now(),\n"
        "                  'description': hashlib.md5(part.content).hexdigest()}, 201)\n")
    client = client_for(TEST_SPECS / "forms.yaml", overrides=[module], credentials=["u:p"])
    import base64
    import hashlib
    auth = {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}
    data = bytes(range(256)) * 10
    response = client.post("/documents", files={"file": ("a.bin", data, "application/pdf")},
                           headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["description"] == hashlib.md5(data).hexdigest() and body["size"] == 2560
    assert body["content_type"] == "application/pdf"


def test_double_slashes_from_joined_base_urls_still_route():
    client = client_for("petstore", stateful=False)
    assert client.get("http://testserver//pets//1").status_code == 200


def test_a_rejected_handler_shapes_refusals_its_own_way(tmp_path):
    module = tmp_path / "refusals.py"
    module.write_text(
        "from specmock import Reply, rejected\n\n"
        "@rejected('petstore')\ndef refused(ctx):\n"
        "    first = ctx.violations[0]\n"
        "    return Reply({'code': ctx.rejection_status, 'message': first['rule']}, 400)\n")
    client = client_for("petstore", overrides=[module])
    refused = client.post("/pets", json={"tag": 1})
    assert refused.status_code == 400 and refused.json() == {"code": 400, "message": "required"}
    journal = client.get("/__specmock/requests?operation=createPet").json()
    assert journal[-1]["violations"]  # the journal still knows why


def test_overrides_read_options_the_live_clock_and_run_at_shutdown(tmp_path, monkeypatch):
    module = tmp_path / "opts.py"
    module.write_text(
        "from specmock import Reply, override\n"
        "closed = []\n\n"
        "@override('showPetById')\n"
        "def show(ctx):\n"
        "    async def close():\n        closed.append(ctx.option('greeting'))\n"
        "    ctx.on_shutdown(close)\n"
        "    name = ctx.option('greeting') + '/' + (ctx.option('mood', 'calm') or '')\n"
        "    return Reply({'id': int(ctx.current_clock().now()), 'name': name})\n")
    monkeypatch.setenv("SPECMOCK_GREETING", "from-env")
    monkeypatch.setenv("SPECMOCK_MOOD", "sunny")
    app = create_app("petstore", quiet=True, overrides=[module], options={"Greeting": "hi"},
                     clock=VirtualClock(start=1_000))
    with TestClient(app) as client:
        assert client.get("/pets/1").json() == {"id": 1000, "name": "hi/sunny"}
        client.post("/__specmock/clock", json={"advance": 5})
        assert client.get("/pets/1").json()["id"] == 1005
    loaded = [m for m in sys.modules.values() if getattr(m, "__file__", None) == str(module)]
    assert loaded and loaded[0].closed == ["hi", "hi"]  # one action per registration, at shutdown


def test_a_clock_set_and_frozen_shows_exactly_the_time_asked_for():
    """Processes sharing a store are set to one time this way; a clock frozen a few
    microseconds after the time asked for made records expire on one and not the other."""
    client = client_for("petstore")
    for _ in range(20):
        set_to = client.post("/__specmock/clock", json={"set": 1_900_000_000, "freeze": True})
        assert set_to.status_code == 200
        assert client.get("/__specmock/clock").json()["epoch"] == 1_900_000_000
    client.post("/__specmock/clock", json={"advance": 3600, "freeze": True})
    assert client.get("/__specmock/clock").json()["epoch"] == 1_900_003_600
