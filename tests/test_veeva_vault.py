"""The bundled veeva_vault service, used the way an integration uses Vault: over HTTP with
requests, branching on responseStatus, against a live specmock server."""

from __future__ import annotations

import hashlib

import pytest
import requests

from specmock import Context

from .test_veeva_vault_support import ADMIN, LIFECYCLE, PASSWORD, TYPE, VERSION, Vault, clock, login


@pytest.fixture
def root(specmock_server) -> str:
    return specmock_server("veeva_vault", seed=1).url


@pytest.fixture
def vault(root: str) -> Vault:
    return login(root)


# -- versions, envelope, headers ------------------------------------------------------


def test_api_lists_versions_with_urls(root: str):
    body = requests.get(f"{root}/api/", timeout=10).json()
    assert body["responseStatus"] == "SUCCESS"
    assert body["values"]["v25.1"].endswith("/api/v25.1")


def test_any_version_works_and_headers_are_vaults(vault: Vault):
    for version in ("v21.1", "v25.2", "v99.9"):
        url = f"{vault.root}/api/{version}/objects/users/me"
        response = requests.get(url, headers=vault.headers(), timeout=10)
        assert response.json()["users"][0]["user"]["user_name__v"] == ADMIN
    headers = response.headers
    for name in ("ExecutionId", "BurstLimit", "BurstLimitRemaining", "VaultId", "UserId"):
        assert headers[f"X-VaultAPI-{name}"]
    assert headers["X-VaultAPI-Status"] == "SUCCESS"
    assert headers["X-VaultAPI-TruncatedSessionId"] == vault.session[:8]


def test_a_malformed_version_is_refused_in_the_vault_envelope(vault: Vault):
    response = requests.get(f"{vault.root}/api/latest/objects/users/me", timeout=10)
    assert response.status_code == 200  # refused by the contract, answered as Vault does
    assert response.json()["responseStatus"] == "FAILURE"
    assert response.json()["errors"][0]["type"] == "MALFORMED_URL"
    assert response.headers["X-VaultAPI-Status"] == "FAILURE"


# -- sessions --------------------------------------------------------------------------


def test_login_returns_a_session_for_this_vault(root: str):
    body = requests.post(
        f"{root}/api/{VERSION}/auth", data={"username": ADMIN, "password": PASSWORD}, timeout=10
    ).json()
    assert body["userId"] == 61001 and body["vaultId"] == 1776
    assert body["vaultIds"][0]["url"] == f"{root}/api"
    assert len(body["sessionId"]) == 64


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"username": ADMIN, "password": "wrong"}, "USERNAME_OR_PASSWORD_INCORRECT"),
        (
            {"username": "nobody@specmock.example", "password": "x"},
            "USERNAME_OR_PASSWORD_INCORRECT",
        ),
        ({"username": ADMIN}, "NO_PASSWORD_PROVIDED"),
        ({"username": ADMIN, "password": ""}, "NO_PASSWORD_PROVIDED"),
        ({"password": PASSWORD}, "PARAMETER_REQUIRED"),
        ({"username": "locked@specmock.example", "password": PASSWORD}, "USER_LOCKED_OUT"),
        ({"username": "inactive@specmock.example", "password": PASSWORD}, "INACTIVE_USER"),
    ],
)
def test_login_failures_have_vaults_error_types(root: str, form: dict, error: str):
    Vault(root).fails("POST", "/auth", error, data=form)
    body = requests.post(f"{root}/api/{VERSION}/auth", data=form, timeout=10).json()
    assert body["errorType"] == "AUTHENTICATION_FAILED"


def test_session_id_bare_or_bearer_and_nothing_else(vault: Vault):
    vault.ok("GET", "/objects/users/me")
    vault.ok("GET", "/objects/users/me", headers={"Authorization": f"Bearer {vault.session}"})
    vault.fails("GET", "/objects/users/me", "INVALID_SESSION_ID", headers={"Authorization": ""})
    vault.fails("GET", "/objects/users/me", "INVALID_SESSION_ID", headers={"Authorization": "x1"})
    bare = requests.get(f"{vault.api}/objects/documents", timeout=10).json()
    assert bare["errors"][0]["type"] == "INVALID_SESSION_ID"


def test_logout_ends_the_session(vault: Vault):
    vault.ok("DELETE", "/session")
    vault.fails("POST", "/keep-alive", "INVALID_SESSION_ID")


def test_idle_timeout_and_keep_alive_on_the_clock(root: str):
    clock(root, freeze=True)
    vault, idle = login(root), login(root)
    for _ in range(3):
        clock(root, advance=20 * 60)
        vault.ok("POST", "/keep-alive")
    idle.fails("GET", "/objects/users/me", "INVALID_SESSION_ID")
    vault.ok("GET", "/objects/users/me")


def test_sessions_end_after_48_hours_whatever_the_activity(root: str):
    clock(root, freeze=True)
    vault = login(root)
    for _ in range(115):  # 25-minute steps stay inside the 30-minute idle timeout: 47.9 h
        clock(root, advance=25 * 60)
        vault.ok("POST", "/keep-alive")
    clock(root, advance=25 * 60)
    vault.fails("POST", "/keep-alive", "INVALID_SESSION_ID")


# -- documents, files, lifecycle -----------------------------------------------------


def test_document_with_a_file_through_its_lifecycle_to_approved(vault: Vault):
    content = b"Protocol v1\nsection 1\n"
    doc_id = vault.create("Protocol", content, title__v="Study protocol")
    doc = vault.ok("GET", f"/objects/documents/{doc_id}")["document"]
    assert (doc["status__v"], doc["major_version_number__v"], doc["minor_version_number__v"]) == (
        "draft__c",
        0,
        1,
    )
    assert doc["filename__v"] == "Protocol.txt" and doc["title__v"] == "Study protocol"
    assert doc["version_id"] == f"{doc_id}_0_1" and doc["created_by__v"] == 61001

    actions = vault.ok("GET", f"/objects/documents/{doc_id}/versions/0/1/lifecycle_actions")
    names = [a["name__v"] for a in actions["lifecycle_actions__v"]]
    assert names == ["send_for_review__c"]
    assert actions["lifecycle_actions__v"][0]["executable__v"] == "true"

    base = f"/objects/documents/{doc_id}/versions/0/1/lifecycle_actions"
    vault.fails("PUT", f"{base}/approve__c", "OPERATION_NOT_ALLOWED")
    vault.fails("PUT", f"{base}/no_such_action__c", "INSUFFICIENT_ACCESS")
    assert vault.ok("PUT", f"{base}/send_for_review__c")["id"] == doc_id
    names = [a["name__v"] for a in vault.ok("GET", base)["lifecycle_actions__v"]]
    assert names == ["approve__c", "reject__c"]

    needs = vault.ok("GET", f"{base}/approve__c/entry_requirements")["properties"]
    assert [p["name"] for p in needs] == ["effective_date__c"]
    vault.fails("PUT", f"{base}/approve__c", "PARAMETER_REQUIRED")
    vault.fails("PUT", f"{base}/approve__c", "INVALID_DATA", data={"effective_date__c": "soon"})
    vault.ok("PUT", f"{base}/approve__c", data={"effective_date__c": "2026-12-01"})

    approved = vault.ok("GET", f"/objects/documents/{doc_id}")
    doc = approved["document"]
    assert (doc["status__v"], doc["major_version_number__v"], doc["minor_version_number__v"]) == (
        "approved__c",
        1,
        0,
    )
    assert doc["effective_date__c"] == "2026-12-01"
    assert [v["number"] for v in approved["versions"]] == ["0.1", "1.0"]
    assert (
        approved["versions"][1]["value"]
        == f"/api/{VERSION}/objects/documents/{doc_id}/versions/1/0"
    )
    old = vault.ok("GET", f"/objects/documents/{doc_id}/versions/0/1")["document"]
    assert old["status__v"] == "in_review__c"
    assert vault.ok("GET", base)["lifecycle_actions__v"] == []  # not the latest version

    draft = vault.ok("POST", f"/objects/documents/{doc_id}", data={"createDraft": "latestContent"})
    assert (draft["major_version_number__v"], draft["minor_version_number__v"]) == (1, 1)
    assert draft["responseMessage"] == "New draft successfully created."
    latest = vault.ok("GET", f"/objects/documents/{doc_id}")["document"]
    assert latest["status__v"] == "draft__c" and latest["md5checksum__v"] == doc["md5checksum__v"]
    steps = f"/objects/documents/{doc_id}/versions/1/1/lifecycle_actions"
    vault.ok("PUT", f"{steps}/send_for_review__c")
    vault.ok("PUT", f"{steps}/approve__c")  # effective date already on the document
    versions = vault.ok("GET", f"/objects/documents/{doc_id}/versions")["versions"]
    assert [v["number"] for v in versions] == ["0.1", "1.0", "1.1", "2.0"]
    first = vault.ok("GET", f"/objects/documents/{doc_id}/versions/1/0")["document"]
    assert first["status__v"] == "superseded__c"
    obsolete = f"/objects/documents/{doc_id}/versions/2/0/lifecycle_actions/make_obsolete__c"
    vault.ok("PUT", obsolete)
    assert vault.ok("GET", f"/objects/documents/{doc_id}")["document"]["status__v"] == "obsolete__c"


def test_download_has_content_disposition_and_real_size_and_md5(vault: Vault):
    content = b"%PDF-1.4 not really\n" * 50
    doc_id = vault.create("Brochure", content)
    response = vault.call("GET", f"/objects/documents/{doc_id}/file")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment;filename="Brochure.txt"'
    assert response.headers["Content-Type"].startswith("application/octet-stream")
    doc = vault.ok("GET", f"/objects/documents/{doc_id}")["document"]
    assert doc["size__v"] == len(response.content)
    assert doc["md5checksum__v"] == hashlib.md5(response.content).hexdigest()
    again = vault.call("GET", f"/objects/documents/{doc_id}/versions/0/1/file")
    assert again.content == response.content


def _stage(vault: Vault, path: str, parts: list[bytes]) -> None:
    """Upload a file to the staging server in parts, the resumable way, and commit it."""
    size = str(sum(len(p) for p in parts))
    session = vault.ok("POST", "/services/file_staging/upload", data={"path": path, "size": size})
    upload = f"/services/file_staging/upload/{session['data']['id']}"
    assert session["data"]["path"] == "/" + path.lstrip("/")
    for number, part in enumerate(parts, start=1):
        headers = {
            "Content-Type": "application/octet-stream",
            "X-VaultAPI-FilePartNumber": str(number),
            "Content-MD5": hashlib.md5(part).hexdigest(),
        }
        sent = vault.ok("PUT", upload, data=part, headers=headers)["data"]
        assert sent == {
            "size": len(part),
            "part_number": number,
            "part_content_md5": hashlib.md5(part).hexdigest(),
        }
    assert vault.ok("POST", upload)["data"]["job_id"] >= 1


def test_staged_files_become_documents_byte_for_byte(vault: Vault):
    content = bytes(range(256)) * 64
    _stage(vault, "/u61001/protocol.pdf", [content[:5000], content[5000:]])
    csv_text = (
        "file,name__v,type__v,lifecycle__v\n"
        "u61001/protocol.pdf,Staged,general__c,general_lifecycle__c\n"
    )
    headers = {"Content-Type": "text/csv"}
    row = vault.ok("POST", "/objects/documents/batch", data=csv_text, headers=headers)["data"][0]
    doc = vault.ok("GET", f"/objects/documents/{row['id']}")["document"]
    assert doc["size__v"] == len(content) and doc["filename__v"] == "protocol.pdf"
    assert doc["md5checksum__v"] == hashlib.md5(content).hexdigest()
    assert doc["format__v"] == "application/pdf"
    assert vault.call("GET", f"/objects/documents/{row['id']}/file").content == content
    form = {
        "name__v": "Form",
        "type__v": TYPE,
        "lifecycle__v": LIFECYCLE,
        "file": "/u61001/protocol.pdf",
    }
    doc_id = vault.ok("POST", "/objects/documents", data=form)["id"]
    assert vault.call("GET", f"/objects/documents/{doc_id}/file").content == content
    missing = "file,name__v,type__v,lifecycle__v\nnope.pdf,X,general__c,general_lifecycle__c\n"
    rows = vault.ok("POST", "/objects/documents/batch", data=missing, headers=headers)["data"]
    assert rows[0]["errors"][0]["type"] == "INVALID_DATA"


def test_staging_errors(vault: Vault):
    _stage(vault, "u61001/a.txt", [b"abc"])
    form = {"path": "u61001/a.txt", "size": "3"}
    vault.fails("POST", "/services/file_staging/upload", "ITEM_NAME_EXISTS", data=form)
    vault.fails("POST", "/services/file_staging/upload", "PARAMETER_REQUIRED", data={"size": "3"})
    vault.fails(
        "POST", "/services/file_staging/upload", "INVALID_DATA", data={"path": "b", "size": "x"}
    )
    session = vault.ok("POST", "/services/file_staging/upload", data={**form, "overwrite": "true"})
    upload = f"/services/file_staging/upload/{session['data']['id']}"
    octet = {"Content-Type": "application/octet-stream"}
    vault.fails("PUT", upload, "PARAMETER_REQUIRED", data=b"abc", headers=octet)
    part = {**octet, "X-VaultAPI-FilePartNumber": "1", "Content-MD5": "0" * 32}
    vault.fails("PUT", upload, "INVALID_DATA", data=b"abc", headers=part)
    vault.ok("PUT", upload, data=b"ab", headers={**octet, "X-VaultAPI-FilePartNumber": "1"})
    vault.fails("POST", upload, "INVALID_DATA")  # 2 bytes of 3
    vault.fails("POST", "/services/file_staging/upload/nope", "INVALID_DATA")


def test_downloaded_bytes_are_the_uploaded_bytes(vault: Vault):
    content = bytes(range(256)) * 4
    doc_id = vault.create("Binary", content)
    assert vault.call("GET", f"/objects/documents/{doc_id}/file").content == content


def test_placeholder_has_no_file_and_cannot_go_to_review(vault: Vault):
    doc_id = vault.create("Placeholder")
    doc = vault.ok("GET", f"/objects/documents/{doc_id}")
    assert "filename__v" not in doc["document"] and doc["renditions"] == {}
    response = vault.call("GET", f"/objects/documents/{doc_id}/file")
    assert response.json()["errors"][0]["type"] == "INVALID_DATA"
    path = f"/objects/documents/{doc_id}/versions/0/1/lifecycle_actions/send_for_review__c"
    vault.fails("PUT", path, "OPERATION_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"type__v": TYPE, "lifecycle__v": LIFECYCLE}, "PARAMETER_REQUIRED"),
        ({"name__v": "x", "lifecycle__v": LIFECYCLE}, "PARAMETER_REQUIRED"),
        ({"name__v": "x", "type__v": "nope__c", "lifecycle__v": LIFECYCLE}, "INVALID_DATA"),
        ({"name__v": "x", "type__v": TYPE, "lifecycle__v": "nope__c"}, "INVALID_DATA"),
        (
            {"name__v": "x", "type__v": TYPE, "lifecycle__v": LIFECYCLE, "bogus__c": "1"},
            "ATTRIBUTE_NOT_SUPPORTED",
        ),
        ({"name__v": "x" * 101, "type__v": TYPE, "lifecycle__v": LIFECYCLE}, "INVALID_DATA"),
        (
            {
                "name__v": "x",
                "type__v": TYPE,
                "lifecycle__v": LIFECYCLE,
                "status__v": "approved__c",
            },
            "INVALID_DATA",
        ),
    ],
)
def test_create_refuses_bad_documents(vault: Vault, form: dict, error: str):
    vault.fails("POST", "/objects/documents", error, data=form)


def test_missing_documents_and_non_integer_ids(vault: Vault):
    vault.fails("GET", "/objects/documents/999", "INVALID_DATA")
    vault.fails("GET", "/objects/documents/999/versions/0/1", "INVALID_DATA")
    doc_id = vault.create("One")
    vault.fails("GET", f"/objects/documents/{doc_id}/versions/3/0", "INVALID_DATA")
    response = vault.call("GET", "/objects/documents/abc")
    assert response.status_code == 200
    assert response.json() == {
        "responseStatus": "FAILURE",
        "errors": [{"type": "INVALID_DATA", "message": response.json()["errors"][0]["message"]}],
    }


def test_update_delete_and_versions(vault: Vault):
    doc_id = vault.create("Label", b"label text")
    assert vault.ok("PUT", f"/objects/documents/{doc_id}", data={"title__v": "New"})["id"] == doc_id
    assert vault.ok("GET", f"/objects/documents/{doc_id}")["document"]["title__v"] == "New"
    vault.ok("PUT", f"/objects/documents/{doc_id}", data={"title__v": ""})
    assert "title__v" not in vault.ok("GET", f"/objects/documents/{doc_id}")["document"]
    vault.fails("PUT", f"/objects/documents/{doc_id}", "INVALID_DATA", data={"type__v": TYPE})
    vault.fails("PUT", f"/objects/documents/{doc_id}", "PARAMETER_REQUIRED", data={"name__v": ""})
    vault.fails("POST", f"/objects/documents/{doc_id}", "PARAMETER_REQUIRED", data={})
    vault.ok("POST", f"/objects/documents/{doc_id}", data={"createDraft": "latestContent"})
    vault.ok("DELETE", f"/objects/documents/{doc_id}/versions/0/2")
    vault.fails("DELETE", f"/objects/documents/{doc_id}/versions/0/1", "OPERATION_NOT_ALLOWED")
    assert vault.ok("DELETE", f"/objects/documents/{doc_id}")["id"] == doc_id
    vault.fails("GET", f"/objects/documents/{doc_id}", "INVALID_DATA")


def test_check_out_blocks_changes_and_check_in_makes_a_version(root: str, vault: Vault):
    doc_id = vault.create("SOP", b"v1")
    other = login(root, "reviewer@specmock.example")
    assert vault.ok("GET", f"/objects/documents/{doc_id}/lock")["lock"] == {}
    vault.ok("POST", f"/objects/documents/{doc_id}/lock")
    lock = vault.ok("GET", f"/objects/documents/{doc_id}/lock")["lock"]
    assert lock["locked_by__v"] == 61001
    assert vault.ok("GET", f"/objects/documents/{doc_id}")["document"]["locked__v"] is True
    vault.fails("POST", f"/objects/documents/{doc_id}/lock", "OPERATION_NOT_ALLOWED")
    other.fails(
        "PUT", f"/objects/documents/{doc_id}", "OPERATION_NOT_ALLOWED", data={"title__v": "x"}
    )
    path = f"/objects/documents/{doc_id}/versions/0/1/lifecycle_actions"
    assert vault.ok("GET", path)["lifecycle_actions__v"] == []
    vault.fails("PUT", f"{path}/send_for_review__c", "OPERATION_NOT_ALLOWED")
    checked_in = vault.ok(
        "POST", f"/objects/documents/{doc_id}", files={"file": ("SOP.txt", b"v2")}, data={}
    )
    assert checked_in["responseMessage"] == "Document successfully checked in."
    assert vault.ok("GET", f"/objects/documents/{doc_id}")["document"]["locked__v"] is False
    vault.fails("DELETE", f"/objects/documents/{doc_id}/lock", "OPERATION_NOT_ALLOWED")
    vault.call("GET", f"/objects/documents/{doc_id}/file", params={"lockDocument": "true"})
    assert vault.ok("GET", f"/objects/documents/{doc_id}/lock")["lock"]["locked_by__v"] == 61001
    vault.ok("DELETE", f"/objects/documents/{doc_id}/lock")


def test_list_documents_pages_sorts_and_searches(vault: Vault):
    ids = [vault.create(name) for name in ("Alpha leaflet", "Beta leaflet", "Gamma poster")]
    page = vault.ok("GET", "/objects/documents", params={"limit": 2, "start": 1})
    assert (page["size"], page["start"], page["limit"]) == (3, 1, 2)
    assert [d["document"]["id"] for d in page["documents"]] == ids[1:]
    by_name = vault.ok("GET", "/objects/documents", params={"sort": "name__v DESC"})
    assert next(d["document"]["name__v"] for d in by_name["documents"]) == "Gamma poster"
    found = vault.ok("GET", "/objects/documents", params={"search": "leaflet"})
    assert [d["document"]["id"] for d in found["documents"]] == ids[:2]
    vault.fails("GET", "/objects/documents", "INVALID_DATA", params={"sort": "nope__v ASC"})


def test_batch_create_and_update_from_csv(vault: Vault):
    csv_text = (
        "name__v,type__v,lifecycle__v,external_id__v\n"
        "Batch one,general__c,general_lifecycle__c,EXT-1\n"
        "Batch two,nope__c,general_lifecycle__c,EXT-2\n"
        "Batch three,trial_document__c,general_lifecycle__c,\n"
    )
    headers = {"Content-Type": "text/csv"}
    rows = vault.ok("POST", "/objects/documents/batch", data=csv_text, headers=headers)["data"]
    assert [r["responseStatus"] for r in rows] == ["SUCCESS", "FAILURE", "SUCCESS"]
    assert rows[0]["external_id__v"] == "EXT-1"
    assert rows[1]["errors"][0]["type"] == "INVALID_DATA"
    update = f"id,title__v\n{rows[0]['id']},Retitled\n999,Nope\n"
    result = vault.ok("PUT", "/objects/documents/batch", data=update, headers=headers)["data"]
    assert [r["responseStatus"] for r in result] == ["SUCCESS", "FAILURE"]
    doc = vault.ok("GET", f"/objects/documents/{rows[0]['id']}")["document"]
    assert doc["title__v"] == "Retitled"
    vault.fails("POST", "/objects/documents/batch", "PARAMETER_REQUIRED", data="", headers=headers)


# -- metadata --------------------------------------------------------------------------


def test_metadata_describes_what_is_stored(vault: Vault):
    doc_id = vault.create("Described", b"x", effective_date__c="2026-01-02")
    props = vault.ok("GET", "/metadata/objects/documents/properties")["properties"]
    names = {p["name"] for p in props}
    assert set(vault.ok("GET", f"/objects/documents/{doc_id}")["document"]) <= names
    name = next(p for p in props if p["name"] == "name__v")
    assert name["required"] is True and name["maxLength"] == 100
    types = vault.ok("GET", "/metadata/objects/documents/types")
    assert {t["label"] for t in types["types"]} >= {"General", "Trial Document"}
    assert types["types"][0]["value"].endswith("/metadata/objects/documents/types/general__c")
    detail = vault.ok("GET", "/metadata/objects/documents/types/general__c")
    assert detail["availableLifecycles"][0]["name"] == LIFECYCLE
    vault.fails("GET", "/metadata/objects/documents/types/nope__c", "INVALID_DATA")
    objects = vault.ok("GET", "/metadata/vobjects")["objects"]
    assert [o["name"] for o in objects] == ["product__v", "country__v"]
    product = vault.ok("GET", "/metadata/vobjects/product__v")["object"]
    assert {"id", "name__v", "launch_year__c"} <= {f["name"] for f in product["fields"]}
    vault.fails("GET", "/metadata/vobjects/nope__c", "INVALID_DATA")
    users = vault.ok("GET", "/objects/users")
    assert users["size"] == 4


# -- object records --------------------------------------------------------------------


def test_object_records_json_and_csv(vault: Vault):
    created = vault.ok(
        "POST",
        "/vobjects/product__v",
        json=[{"name__v": "Cholecap", "launch_year__c": 2019}, {"launch_year__c": 1}],
    )["data"]
    assert created[0]["data"]["id"] == "00P000000000001"
    assert created[0]["data"]["url"] == f"/api/{VERSION}/vobjects/product__v/00P000000000001"
    assert created[0]["data"]["event"] == "created__sys"
    assert created[1]["errors"][0]["type"] == "PARAMETER_REQUIRED"
    csv_text = "name__v,generic_name__vs\nVeevaprom,veevapromine\n"
    headers = {"Content-Type": "text/csv"}
    row = vault.ok("POST", "/vobjects/product__v", data=csv_text, headers=headers)["data"][0]
    record_id = row["data"]["id"]
    record = vault.ok("GET", f"/vobjects/product__v/{record_id}")
    described = vault.ok("GET", "/metadata/vobjects/product__v")["object"]["fields"]
    assert set(record["data"]) <= {f["name"] for f in described}
    assert record["data"]["generic_name__vs"] == "veevapromine"
    assert record["responseDetails"]["object"]["prefix"] == "00P"
    updated = vault.ok(
        "PUT", "/vobjects/product__v", json=[{"id": record_id, "launch_year__c": "2021"}]
    )
    assert updated["data"][0]["data"]["event"] == "updated__sys"
    assert vault.ok("GET", f"/vobjects/product__v/{record_id}")["data"]["launch_year__c"] == 2021
    bad = vault.ok("PUT", "/vobjects/product__v", json=[{"id": record_id, "launch_year__c": "x"}])
    assert bad["data"][0]["errors"][0]["type"] == "INVALID_DATA"
    unknown = vault.ok("POST", "/vobjects/product__v", json=[{"name__v": "x", "nope__c": 1}])
    assert unknown["data"][0]["errors"][0]["type"] == "ATTRIBUTE_NOT_SUPPORTED"
    listing = vault.ok("GET", "/vobjects/product__v", params={"limit": 1})
    assert listing["responseDetails"]["total"] == 2 and "next_page" in listing["responseDetails"]
    vault.ok("DELETE", "/vobjects/product__v", json=[{"id": record_id}])
    vault.fails("GET", f"/vobjects/product__v/{record_id}", "INVALID_DATA")
    vault.fails("POST", "/vobjects/nope__c", "INVALID_DATA", json=[{"name__v": "x"}])
    vault.fails("POST", "/vobjects/product__v", "PARAMETER_REQUIRED", json=[])


# -- the http_errors option --------------------------------------------------------------


def test_http_errors_option_maps_failures_to_4xx(specmock_server, monkeypatch, tmp_path):
    config = tmp_path / "vault.yaml"
    config.write_text("http_errors: true\n")
    monkeypatch.setenv("SPECMOCK_VEEVA_VAULT_CONFIG", str(config))
    root = specmock_server("veeva_vault", seed=1).url
    response = requests.get(f"{root}/api/{VERSION}/objects/documents", timeout=10)
    assert response.status_code == 401
    assert response.json()["errors"][0]["type"] == "INVALID_SESSION_ID"
    vault = login(root)
    assert vault.call("GET", "/objects/documents/5").status_code == 422
    bad_login = requests.post(f"{root}/api/{VERSION}/auth", data={"username": ADMIN}, timeout=10)
    assert bad_login.status_code == 401


@pytest.mark.skipif(
    not hasattr(Context, "base_url"), reason="needs Context.base_url from the engine"
)
def test_next_page_urls_work_when_several_specs_share_a_port(specmock_server):
    server = specmock_server(["veeva_vault", "petstore"], seed=1)
    vault = login(server.url + "/veeva_vault")
    assert vault.create("First") and vault.create("Second")
    query = "SELECT id FROM documents ORDER BY id PAGESIZE 1"
    first = vault.ok("POST", "/query", data={"q": query})
    next_page = first["responseDetails"]["next_page"]
    assert next_page.startswith("/veeva_vault/api/")
    assert vault.ok("POST", server.url + next_page)["data"] == [{"id": 2}]
    auth = requests.post(
        f"{server.url}/veeva_vault/api/{VERSION}/auth",
        data={"username": ADMIN, "password": PASSWORD},
        timeout=10,
    ).json()
    assert auth["vaultIds"][0]["url"] == f"{server.url}/veeva_vault/api"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        (
            "POST",
            "/vobjects/product__v",
            {"data": "[{", "headers": {"Content-Type": "application/json"}},
        ),
        ("POST", "/vobjects/product__v", {"json": {"name__v": "not a list"}}),
        ("POST", "/vobjects/product__v", {"json": ["not an object", 7]}),
        (
            "POST",
            "/objects/documents/batch",
            {"data": '"a,b\n"x', "headers": {"Content-Type": "text/csv"}},
        ),
        (
            "POST",
            "/objects/documents",
            {
                "data": b"--x\r\nbroken",
                "headers": {"Content-Type": "multipart/form-data; boundary=x"},
            },
        ),
        ("POST", "/objects/documents", {"data": {"name__v[a]": "x", "type__v": TYPE}}),
        ("POST", "/query", {"data": {"q": "SELECT id FROM documents WHERE " + "(" * 300}}),
        ("POST", "/query", {"data": {"q": "x" * 50001}}),
        ("PUT", "/objects/documents/1", {"data": {"title__v": "\x00 \u2603"}}),
    ],
)
def test_hostile_input_gets_a_vault_envelope_never_a_500(vault: Vault, method, path, kwargs):
    vault.create("Target")
    response = vault.call(method, path, **kwargs)
    assert response.status_code in (200, 400), response.text
    assert response.json()["responseStatus"] in ("SUCCESS", "FAILURE"), response.text


def test_requests_refused_before_any_handler_keep_the_vault_envelope(vault: Vault):
    response = vault.call("GET", "/objects/documents/not-a-number")
    assert response.status_code == 200
    body = response.json()
    assert body["responseStatus"] == "FAILURE"
    assert body["errors"][0]["type"] == "INVALID_DATA"
    assert response.headers["X-VaultAPI-Status"] == "FAILURE"
