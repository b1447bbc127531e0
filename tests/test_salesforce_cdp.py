"""Salesforce Data Cloud (CDP): auth and exchange, ingestion, query, identity resolution,
profiles, calculated insights and segments, in-process and in strict mode."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from specmock import create_app

from .conftest import SPECS

SPEC = SPECS / "salesforce_cdp.yaml"
EXCHANGE = "urn:salesforce:grant-type:external:cdp"
SUBJECT = "urn:ietf:params:oauth:token-type:access_token"
CONNECT = "/services/data/v62.0/ssot"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(SPEC, seed=1, quiet=True, strict=True)
    with TestClient(app) as c:
        assert c.post("/__specmock/clock", json={"set": "2030-01-01T00:00:00Z"}).status_code == 200
        yield c


def core_token(client: TestClient, **extra: str) -> dict:
    params = {"grant_type": "password", "client_id": "cid", "client_secret": "cs",
              "username": "u@example.com", "password": "pw", **extra}
    reply = client.post("/services/oauth2/token", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def tenant(client: TestClient, **extra: str) -> dict[str, str]:
    """The two-step handshake; returns the Direct API headers."""
    core = core_token(client, **extra)["access_token"]
    reply = client.post("/services/a360/token", data={
        "grant_type": EXCHANGE, "subject_token": core, "subject_token_type": SUBJECT})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def core_headers(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {core_token(client)['access_token']}"}


def stream(client: TestClient, headers: dict, obj: str, data: list[dict]) -> None:
    reply = client.post(f"/api/v1/ingest/sources/Customer_API/{obj}", headers=headers,
                        json={"data": data})
    assert reply.status_code == 202, reply.text
    assert reply.json() == {"accepted": True}


def query(client: TestClient, headers: dict, sql: str, version: str = "v1") -> dict:
    reply = client.post(f"/api/{version}/query", headers=headers, json={"sql": sql})
    assert reply.status_code == 200, reply.text
    return reply.json()


# -- auth -------------------------------------------------------------------------------


def test_two_step_exchange_returns_bare_tenant_host(client):
    core = core_token(client)
    assert core["instance_url"] == "http://testserver" and core["token_type"] == "Bearer"
    reply = client.post("/services/a360/token", params={
        "grant_type": EXCHANGE, "subject_token": core["access_token"],
        "subject_token_type": SUBJECT})
    body = reply.json()
    assert body["instance_url"] == "testserver"  # no scheme: clients prepend https://
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert body["expires_in"] == 7200 and body["access_token"].count(".") == 2


def test_core_token_from_form_client_credentials_and_refresh(client):
    reply = client.post("/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": "a", "client_secret": "b"})
    assert reply.status_code == 200 and "refresh_token" not in reply.json()
    refresh = core_token(client)["refresh_token"]
    again = client.post("/services/oauth2/token", params={
        "grant_type": "refresh_token", "refresh_token": refresh, "client_id": "a"})
    assert again.status_code == 200
    client.post("/services/oauth2/revoke", params={"token": refresh})
    revoked = client.post("/services/oauth2/token", params={
        "grant_type": "refresh_token", "refresh_token": refresh})
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"


def test_jwt_bearer_grant(client):
    claims = base64.urlsafe_b64encode(json.dumps({"iss": "cid", "sub": "u"}).encode()).decode()
    assertion = f"eyJhbGciOiJSUzI1NiJ9.{claims.rstrip('=')}.c2ln"
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    reply = client.post("/services/oauth2/token", data={"grant_type": grant,
                                                        "assertion": assertion})
    assert reply.status_code == 200 and reply.json()["access_token"]
    bad = client.post("/services/oauth2/token", data={"grant_type": grant, "assertion": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_oauth_errors_are_oauth_shaped(client):
    bad = client.post("/services/oauth2/token", params={"grant_type": "password"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
    odd = client.post("/services/oauth2/token", params={"grant_type": "implicit"})
    assert odd.json()["error"] == "unsupported_grant_type"
    exchange = client.post("/services/a360/token", params={
        "grant_type": EXCHANGE, "subject_token": "nope", "subject_token_type": SUBJECT})
    assert exchange.status_code == 401 and exchange.json()["error"] == "invalid_grant"


def test_revoked_and_expired_tokens_and_scopes(client):
    headers = tenant(client)
    sql = {"sql": "SELECT 1 AS one"}
    assert client.post("/api/v1/query", headers=headers, json=sql).status_code == 200
    client.post("/__specmock/clock", json={"advance": 7201})
    expired = client.post("/api/v1/query", headers=headers, json=sql)
    assert expired.status_code == 401 and expired.json()["errorCode"] == "INVALID_TOKEN"
    headers = tenant(client)
    client.post("/services/a360/revoke", data={"token": headers["Authorization"][7:]})
    assert client.post("/api/v1/query", headers=headers, json=sql).status_code == 401
    narrow = tenant(client, scope="api cdp_ingest_api")
    denied = client.post("/api/v1/query", headers=narrow, json=sql)
    assert denied.status_code == 403 and "cdp_query_api" in denied.json()["message"]
    missing = client.post("/api/v1/query", json=sql)
    assert missing.status_code == 401 and missing.json()["errorCode"] == "INVALID_TOKEN"
    assert client.get(f"{CONNECT}/segments").json() == [
        {"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
    # the core token is not a tenant token, and vice versa
    assert client.post("/api/v1/query", headers=core_headers(client), json=sql).status_code == 401
    assert client.get(f"{CONNECT}/segments", headers=headers).status_code == 401


# -- streaming ingestion ----------------------------------------------------------------


def test_streamed_records_are_queryable_and_deletable(client):
    headers = tenant(client)
    stream(client, headers, "customers", [
        {"customer_id": "C-1", "first_name": "Ada", "last_name": "Byron",
         "email": "ada@example.org", "created_at": "2024-05-01T10:00:00.000Z"},
        {"customer_id": "C-2", "first_name": "Alan", "last_name": "Turing"},
    ])
    rows = query(client, headers, "SELECT customer_id__c, created_at__c FROM "
                 "Customer_API_customers__dll ORDER BY customer_id__c")
    assert rows["data"] == [
        {"customer_id__c": "C-1", "created_at__c": "2024-05-01T10:00:00.000+00:00"},
        {"customer_id__c": "C-2", "created_at__c": None},
    ]
    assert rows["metadata"]["created_at__c"] == {"type": "TIMESTAMP", "placeInOrder": 1,
                                                 "typeCode": 93}
    gone = client.delete("/api/v1/ingest/sources/Customer_API/customers",
                         params={"ids": "C-2"}, headers=headers)
    assert gone.status_code == 202
    left = query(client, headers, "SELECT COUNT(*) AS n FROM ssot__Individual__dlm "
                 "WHERE ssot__DataSourceId__c = 'Customer_API'")
    assert left["data"] == [{"n": 1}]


def test_streaming_checks_schema_size_and_object(client):
    headers = tenant(client)
    url = "/api/v1/ingest/sources/Customer_API/customers"
    bad = {"data": [{"customer_id": "X", "shoe_size": 9}, {"first_name": 3}]}
    tested = client.post(url + "/actions/test", headers=headers, json=bad)
    assert tested.status_code == 400 and tested.json()["errorCode"] == "INVALID_PAYLOAD"
    fields = {(d["recordIndex"], d.get("field")) for d in tested.json()["details"]}
    assert fields == {(0, "shoe_size"), (1, "first_name"), (1, "customer_id")}
    ok = client.post(url + "/actions/test", headers=headers,
                     json={"data": [{"customer_id": "T-1"}]})
    assert ok.status_code == 200 and ok.json() == {"accepted": True}
    # actions/test stores nothing
    assert query(client, headers, "SELECT COUNT(*) AS n FROM Customer_API_customers__dll"
                 )["data"] == [{"n": 0}]
    assert client.post(url, headers=headers, json=bad).status_code == 400
    big = {"data": [{"customer_id": str(i), "street": "x" * 1000} for i in range(210)]}
    too_big = client.post(url, headers=headers, json=big)
    assert too_big.status_code == 413 and "204800" in too_big.json()["message"]
    unknown = client.post("/api/v1/ingest/sources/Customer_API/planets", headers=headers,
                          json={"data": [{"a": 1}]})
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "NOT_FOUND"
    dates = client.post(url, headers=headers,
                        json={"data": [{"customer_id": "D", "created_at": "yesterday"}]})
    assert "ISO 8601" in dates.json()["details"][0]["message"]


# -- bulk jobs --------------------------------------------------------------------------


def _job(client: TestClient, headers: dict, operation: str = "upsert") -> str:
    reply = client.post("/api/v1/ingest/jobs", headers=headers, json={
        "object": "orders", "sourceName": "Customer_API", "operation": operation})
    assert reply.status_code == 201, reply.text
    assert reply.json()["state"] == "Open" and reply.json()["contentType"] == "CSV"
    return reply.json()["id"]


def _upload(client: TestClient, headers: dict, job: str, csv: str, status: int = 202) -> None:
    reply = client.put(f"/api/v1/ingest/jobs/{job}/batches", content=csv,
                       headers={**headers, "Content-Type": "text/csv"})
    assert reply.status_code == status, reply.text


def _state(client: TestClient, headers: dict, job: str) -> dict:
    return client.get(f"/api/v1/ingest/jobs/{job}", headers=headers).json()


def test_bulk_job_state_machine_on_the_clock(client):
    headers = tenant(client)
    job = _job(client, headers)
    lines = ["order_id,customer_id,amount,order_date"] + [
        f"B-{n},BULK-1,{n}.25,2024-02-0{n % 9 + 1}T00:00:00Z" for n in range(1, 41)]
    _upload(client, headers, job, "\n".join(lines[:21]) + "\n")
    _upload(client, headers, job, "\n".join([lines[0], *lines[21:]]) + "\n")
    closed = client.patch(f"/api/v1/ingest/jobs/{job}", headers=headers,
                          json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"
    _upload(client, headers, job, lines[0] + "\n", status=409)  # closed jobs take no data
    sql = "SELECT COUNT(*) AS n, SUM(amount__c) AS total FROM Customer_API_orders__dll"
    assert query(client, headers, sql)["data"] == [{"n": 0, "total": None}]
    client.post("/__specmock/clock", json={"advance": 10})
    assert _state(client, headers, job)["state"] == "InProgress"
    client.post("/__specmock/clock", json={"advance": 20})
    done = _state(client, headers, job)
    assert done["state"] == "JobComplete" and done["numberRecordsProcessed"] == 40
    result = query(client, headers, sql)
    assert result["data"] == [{"n": 40, "total": "830"}]  # sum of n + .25 for n in 1..40
    assert result["metadata"]["total"]["type"] == "DECIMAL"
    listed = client.get("/api/v1/ingest/jobs", headers=headers,
                        params={"state": "JobComplete"}).json()["data"]
    assert [j["id"] for j in listed] == [job]
    assert client.delete(f"/api/v1/ingest/jobs/{job}", headers=headers).status_code == 204


def test_bulk_job_abort_failure_and_delete_operation(client):
    headers = tenant(client)
    aborted = _job(client, headers)
    reply = client.patch(f"/api/v1/ingest/jobs/{aborted}", headers=headers,
                         json={"state": "Aborted"})
    assert reply.json()["state"] == "Aborted"
    again = client.patch(f"/api/v1/ingest/jobs/{aborted}", headers=headers,
                         json={"state": "UploadComplete"})
    assert again.status_code == 409
    failing = _job(client, headers)
    _upload(client, headers, failing, "order_id,colour\nX,red\n")
    client.patch(f"/api/v1/ingest/jobs/{failing}", headers=headers,
                 json={"state": "UploadComplete"})
    open_job = _job(client, headers)
    assert client.delete(f"/api/v1/ingest/jobs/{open_job}", headers=headers).status_code == 409
    client.post("/__specmock/clock", json={"advance": 30})
    failed = _state(client, headers, failing)
    assert failed["state"] == "Failed" and "colour" in failed["errorMessage"]
    remover = _job(client, headers, "delete")
    stream(client, headers, "orders", [{"order_id": "K", "customer_id": "Q", "amount": 2}])
    _upload(client, headers, remover, "order_id\nK\n")
    client.patch(f"/api/v1/ingest/jobs/{remover}", headers=headers,
                 json={"state": "UploadComplete"})
    client.post("/__specmock/clock", json={"advance": 31})
    assert _state(client, headers, remover)["state"] == "JobComplete"
    assert query(client, headers, "SELECT * FROM Customer_API_orders__dll")["data"] == []
    missing = client.get("/api/v1/ingest/jobs/none", headers=headers)
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NOT_FOUND"


# -- query ------------------------------------------------------------------------------


def test_v2_positional_rows_across_batches(client):
    headers = tenant(client)
    stream(client, headers, "customers", [
        {"customer_id": f"V-{n:03d}", "first_name": "V", "last_name": str(n)}
        for n in range(5)])
    sql = ("SELECT ssot__Id__c, ssot__CreatedDate__c, ssot__LastName__c "
           "FROM ssot__Individual__dlm ORDER BY ssot__Id__c")
    first = query(client, headers, sql, "v2")
    assert first["done"] is False and first["rowCount"] == 500
    order = sorted(first["metadata"], key=lambda c: first["metadata"][c]["placeInOrder"])
    assert order == ["ssot__Id__c", "ssot__CreatedDate__c", "ssot__LastName__c"]
    assert first["data"][0][0] == "POS-00001" and first["data"][0][1].endswith("+00:00")
    rows = list(first["data"])
    batch = first
    while not batch["done"]:
        reply = client.get(f"/api/v2/query/{batch['nextBatchId']}", headers=headers)
        assert reply.status_code == 200
        batch = reply.json()
        assert batch["queryId"] == first["queryId"]
        rows += batch["data"]
    assert len(rows) == 605 and rows[-1] == ["V-004", None, "4"]
    # a batch id is good once
    again = client.get(f"/api/v2/query/{first['nextBatchId']}", headers=headers)
    assert again.status_code == 404 and again.json()["errorCode"] == "NOT_FOUND"


def test_v1_joins_aggregates_and_paging(client):
    headers = tenant(client)
    sql = ("SELECT i.ssot__Id__c AS id, COUNT(o.ssot__Id__c) AS orders, "
           "SUM(o.ssot__GrandTotalAmount__c) AS spend FROM ssot__Individual__dlm i "
           "JOIN ssot__SalesOrder__dlm o ON o.ssot__SoldToCustomerId__c = i.ssot__Id__c "
           "GROUP BY i.ssot__Id__c HAVING COUNT(o.ssot__Id__c) >= 3")
    full = query(client, headers, sql)
    assert full["rowCount"] > 3
    assert {k: v["type"] for k, v in full["metadata"].items()} == {
        "id": "VARCHAR", "orders": "BIGINT", "spend": "DECIMAL"}
    assert all(isinstance(r["spend"], str) and r["orders"] >= 3 for r in full["data"])
    reply = client.post("/api/v1/query", headers=headers, json={"sql": sql},
                        params={"limit": 2, "offset": 1, "orderby": "id DESC"})
    ids = sorted((r["id"] for r in full["data"]), reverse=True)
    assert [r["id"] for r in reply.json()["data"]] == ids[1:3]
    again = query(client, headers, sql)
    assert again["data"] == full["data"]  # seeded data: the same answer every time


def test_date_functions_and_the_clock(client):
    headers = tenant(client)
    stream(client, headers, "orders", [
        {"order_id": "D-1", "customer_id": "D", "amount": 1, "order_date": "2031-05-17T13:14:15Z"},
        {"order_id": "D-2", "customer_id": "D", "amount": 2, "order_date": "2031-05-02T01:00:00Z"},
    ])
    sql = ("SELECT DATE_TRUNC('month', order_date__c) AS m, YEAR(order_date__c) AS y, "
           "SUM(amount__c) AS total, CURRENT_TIMESTAMP AS now FROM Customer_API_orders__dll "
           "WHERE order_date__c > TIMESTAMP '2031-05-01 00:00:00' GROUP BY 1, 2")
    (row,) = query(client, headers, sql)["data"]
    assert row == {"m": "2031-05-01T00:00:00.000+00:00", "y": 2031, "total": "3",
                   "now": "2030-01-01T00:00:00.000+00:00"}  # the specmock clock, not the host's


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT nope FROM ssot__Individual__dlm", "Column 'nope' cannot be resolved"),
        ("SELECT * FROM Missing__dlm", "Table 'Missing__dlm' does not exist"),
        ("DELETE FROM ssot__Individual__dlm", "only SELECT queries are supported"),
        ("SELECT (1", "SQL syntax error"),
        ("SELECT 1; SELECT 2", "exactly one SQL statement"),
    ],
)
def test_sql_errors_in_the_vendor_shape(client, sql, message):
    reply = client.post("/api/v2/query", headers=tenant(client), json={"sql": sql})
    assert reply.status_code == 400
    body = reply.json()
    assert body["errorCode"] == "INVALID_SQL" and message in body["message"]


def test_metadata_lists_tables(client):
    headers = tenant(client)
    reply = client.get("/api/v1/metadata", headers=headers,
                       params={"entityName": "ssot__Individual__dlm"})
    (table,) = reply.json()["metadata"]
    assert table["category"] == "Profile" and table["primaryKeys"][0]["name"] == "ssot__Id__c"
    lakes = client.get("/api/v1/metadata", headers=headers,
                       params={"entityType": "DataLakeObject"}).json()["metadata"]
    assert "Customer_API_customers__dll" in {t["name"] for t in lakes}


# -- identity resolution, profiles, real-time interactions --------------------------------


def test_identity_resolution_rules_and_links(client):
    headers = tenant(client)
    stream(client, headers, "customers", [
        {"customer_id": "E-1", "first_name": "Eve", "last_name": "One",
         "email": "Eve@Example.com"},
        {"customer_id": "E-2", "first_name": "Evelyn", "last_name": "Uno",
         "email": "eve@example.com ", "phone": "+1 (415) 555-0101"},
        {"customer_id": "E-3", "first_name": "E", "last_name": "Three",
         "phone": "415.555.0101"},
        {"customer_id": "E-4", "first_name": "Max", "last_name": "Mustermann",
         "street": "12 Elm Street", "postal_code": "94110"},
        {"customer_id": "E-5", "first_name": "max", "last_name": "MUSTERMANN",
         "street": "12 elm st.", "postal_code": "94110"},
        {"customer_id": "E-6", "first_name": "Max", "last_name": "Mustermann",
         "street": "99 Oak Road", "postal_code": "94110"},
    ])
    sql = ("SELECT SourceRecordId__c AS src, UnifiedRecordId__c AS uid FROM "
           "UnifiedLinkssotIndividual__dlm WHERE SourceRecordId__c LIKE 'E-%' ORDER BY 1")
    links = {r["src"]: r["uid"] for r in query(client, headers, sql)["data"]}
    assert links["E-1"] == links["E-2"] == links["E-3"]  # email, then phone
    assert links["E-4"] == links["E-5"] != links["E-6"]  # name + address
    assert len(set(links.values())) == 3
    # re-run on new data: a later record joins an existing profile, ids stay stable
    stream(client, headers, "customers", [
        {"customer_id": "E-7", "first_name": "Max", "last_name": "M", "phone": "4155550101"}])
    after = {r["src"]: r["uid"] for r in query(client, headers, sql)["data"]}
    assert after["E-7"] == after["E-1"] == links["E-1"] and after["E-4"] == links["E-4"]
    seeded = query(client, headers, "SELECT COUNT(*) AS n FROM UnifiedIndividual__dlm "
                   "WHERE SourceRecordCount__c > 1")
    assert seeded["data"][0]["n"] >= 15  # the seeded history has duplicates by email


def test_profile_reads_and_real_time_interactions(client):
    headers = tenant(client)
    stream(client, headers, "customers", [
        {"customer_id": "P-1", "first_name": "Pat", "last_name": "Doe", "email": "pat@x.io"},
        {"customer_id": "P-2", "first_name": "Pat", "last_name": "Doe", "email": "PAT@x.io"},
    ])
    person = client.get("/api/v1/profile/ssot__Individual__dlm/P-1", headers=headers,
                        params={"fields": "ssot__Id__c,ssot__FirstName__c"})
    assert person.json() == {"data": [{"ssot__Id__c": "P-1", "ssot__FirstName__c": "Pat"}],
                             "done": True}
    by_key = client.get("/api/v1/profile/UnifiedIndividual__dlm/pat@x.io", headers=headers,
                        params={"searchKey": "ssot__EmailAddress__c"})
    (unified,) = by_key.json()["data"]
    assert unified["SourceRecordCount__c"] == 2
    uid = unified["ssot__Id__c"]
    url = f"/api/v1/profile/UnifiedIndividual__dlm/{uid}/ssot__Engagement__dlm"
    assert client.get(url, headers=headers).json()["data"] == []
    stream(client, headers, "engagements", [
        {"event_id": "EV-1", "customer_id": "P-1", "event_type": "email_open",
         "channel": "email", "occurred_at": "2030-01-01T00:00:00Z"},
        {"event_id": "EV-2", "customer_id": "P-2", "event_type": "cart_add",
         "channel": "web", "occurred_at": "2030-01-01T00:05:00Z"},
    ])
    recent = client.get(url, headers=headers).json()["data"]
    assert [e["ssot__Id__c"] for e in recent] == ["EV-2", "EV-1"]  # newest first, both sources
    listed = client.get("/api/v1/profile/ssot__Individual__dlm", headers=headers,
                        params={"filters": "[ssot__LastName__c=Doe]", "orderby": "ssot__Id__c"})
    assert [r["ssot__Id__c"] for r in listed.json()["data"]] == ["P-1", "P-2"]
    bad = client.get("/api/v1/profile/ssot__Individual__dlm", headers=headers,
                     params={"fields": "shoe__c"})
    assert bad.status_code == 422 and bad.json()["errorCode"] == "INVALID_FIELD"
    missing = client.get("/api/v1/profile/ssot__Individual__dlm/none", headers=headers)
    assert missing.status_code == 404
    meta = client.get("/api/v1/profile/metadata", headers=headers).json()["metadata"]
    assert "UnifiedIndividual__dlm" in {m["name"] for m in meta}


# -- calculated insights ----------------------------------------------------------------


def test_calculated_insight_by_dimension_measure_and_filter(client):
    headers = tenant(client)
    stream(client, headers, "customers", [{"customer_id": "CI-1", "email": "ci@x.io"}])
    stream(client, headers, "orders", [
        {"order_id": "CI-O1", "customer_id": "CI-1", "amount": 10.5},
        {"order_id": "CI-O2", "customer_id": "CI-1", "amount": 4},
    ])
    url = "/api/v1/insight/calculated-insights/CustomerSpend__cio"
    mine = client.get(url, headers=headers, params={
        "dimensions": "CustomerId__c", "measures": "TotalSpend__c,TotalOrders__c",
        "filters": "[CustomerId__c=CI-1]"})
    assert mine.json() == {"data": [{"CustomerId__c": "CI-1", "TotalSpend__c": "14.5",
                                     "TotalOrders__c": 2}], "done": True}
    rows = client.get(url, headers=headers, params={"measures": "TotalOrders__c"}).json()
    total = query(client, headers, "SELECT COUNT(*) AS n FROM ssot__SalesOrder__dlm")
    assert sum(r["TotalOrders__c"] for r in rows["data"]) == total["data"][0]["n"]
    unknown = client.get(url, headers=headers, params={"measures": "Nope__c"})
    assert unknown.status_code == 422
    meta = client.get("/api/v1/insight/metadata/CustomerSpend__cio", headers=headers).json()
    assert [m["name"] for m in meta["metadata"][0]["measures"]] == ["TotalOrders__c",
                                                                    "TotalSpend__c"]
    profile = client.get("/api/v1/profile/ssot__Individual__dlm/CI-1/calculated-insights/"
                         "CustomerSpend__cio", headers=headers)
    assert profile.json()["data"][0]["TotalOrders__c"] == 2
    sql = "SELECT TotalSpend__c FROM CustomerSpend__cio WHERE CustomerId__c = 'CI-1'"
    assert query(client, headers, sql)["data"] == [{"TotalSpend__c": "14.5"}]


def test_calculated_insight_defined_as_sql(client):
    headers = tenant(client)
    core = core_headers(client)
    body = {"apiName": "Engagements__cio", "expression": (
        "SELECT ssot__EngagementChannelId__c AS Channel__c, COUNT(*) AS Events__c "
        "FROM ssot__Engagement__dlm GROUP BY ssot__EngagementChannelId__c")}
    created = client.post(f"{CONNECT}/calculated-insights", headers=core, json=body)
    assert created.status_code == 201, created.text
    assert [d["name"] for d in created.json()["dimensions"]] == ["Channel__c"]
    dup = client.post(f"{CONNECT}/calculated-insights", headers=core, json=body)
    assert dup.status_code == 409 and dup.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    broken = client.post(f"{CONNECT}/calculated-insights", headers=core, json={
        "apiName": "Broken__cio", "expression": "SELECT x AS X__c FROM ssot__Engagement__dlm"})
    assert broken.status_code == 400 and isinstance(broken.json(), list)
    stream(client, headers, "engagements", [
        {"event_id": f"G-{n}", "customer_id": "G", "event_type": "view",
         "channel": "web" if n % 2 else "app"} for n in range(5)])
    rows = client.get("/api/v1/insight/calculated-insights/Engagements__cio", headers=headers,
                      params={"orderby": "Channel__c"}).json()["data"]
    assert rows == [{"Channel__c": "app", "Events__c": 3}, {"Channel__c": "web", "Events__c": 2}]


# -- segments ---------------------------------------------------------------------------


def test_segment_count_members_and_publish_on_the_clock(client):
    headers = tenant(client)
    core = core_headers(client)
    created = client.post(f"{CONNECT}/segments", headers=core, json={
        "developerName": "Web_Shoppers", "segmentOnApiName": "ssot__Individual__dlm",
        "segmentType": "UI",
        "includeCriteria": "ssot__Id__c IN (SELECT ssot__IndividualId__c FROM "
                           "ssot__Engagement__dlm WHERE ssot__EngagementChannelId__c = 'web')"})
    assert created.status_code == 201, created.text
    assert created.json()["publishStatus"] == "NOT_PUBLISHED"
    count_url = f"{CONNECT}/segments/Web_Shoppers/actions/count"
    assert client.post(count_url, headers=core).json()["count"] == 0
    stream(client, headers, "engagements", [
        {"event_id": "S-1", "customer_id": "POS-00007", "event_type": "view", "channel": "web"},
        {"event_id": "S-2", "customer_id": "POS-00009", "event_type": "view", "channel": "app"},
    ])
    assert client.post(count_url, headers=core).json()["count"] == 1  # no batch wait
    members = client.get(f"{CONNECT}/segments/Web_Shoppers/members", headers=core).json()
    assert members == {"members": [{"id": "POS-00007"}], "totalSize": 1}
    published = client.post(f"{CONNECT}/segments/Web_Shoppers/actions/publish", headers=core)
    assert published.json()["publishStatus"] == "PUBLISHING"
    again = client.post(f"{CONNECT}/segments/Web_Shoppers/actions/publish", headers=core)
    assert again.status_code == 409
    client.post("/__specmock/clock", json={"advance": 60})
    segment = client.get(f"{CONNECT}/segments/Web_Shoppers", headers=core).json()
    assert segment["publishStatus"] == "SUCCESS" and segment["lastSegmentMemberCount"] == 1
    assert client.get(f"{CONNECT}/segments", headers=core).json()["totalSize"] == 1
    dup = client.post(f"{CONNECT}/segments", headers=core, json={
        "developerName": "Web_Shoppers", "segmentOnApiName": "ssot__Individual__dlm"})
    assert dup.status_code == 409 and dup.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    bad = client.post(f"{CONNECT}/segments", headers=core, json={
        "developerName": "Bad", "segmentOnApiName": "ssot__Individual__dlm",
        "includeCriteria": "nope = = 1"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_INPUT"
    assert client.delete(f"{CONNECT}/segments/Web_Shoppers", headers=core).status_code == 204
    assert client.get(f"{CONNECT}/segments/Web_Shoppers", headers=core).status_code == 404


def test_state_reset_reseeds(client):
    headers = tenant(client)
    stream(client, headers, "customers", [{"customer_id": "R-1"}])
    client.delete("/__specmock/state", params={"service": "salesforce_cdp"})
    headers = tenant(client)
    count = query(client, headers, "SELECT COUNT(*) AS n FROM ssot__Individual__dlm")
    assert count["data"] == [{"n": 600}]
