"""The published `salesforce-datacloud-connector` (DB-API driver on the Connect API's
`/services/data/v64.0/ssot/query-sql`) against specmock: login, a query whose rows come in
several pages from `/rows`, named parameters, types and a refused query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest

from specmock.testing import RunningServer, serve

from .conftest import SPECS

datacloud = pytest.importorskip("salesforce_datacloud_connector")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPECMOCK_SALESFORCE_CDP_BATCH_ROWS", "300")  # pages of 300 rows
        with serve(SPECS / "salesforce_cdp.yaml", seed=1, strict=True, quiet=True) as running:
            yield running


def connect(server: RunningServer):
    return datacloud.connect(
        login_url=server.url, username="u@example.com", password="pw", client_id="cid",
        client_secret="secret", workload="tests")  # fmt: skip


def test_a_query_reads_every_page_with_types(server):
    conn = connect(server)
    cursor = conn.cursor()
    cursor.execute(
        "SELECT ssot__Id__c, ssot__GrandTotalAmount__c, ssot__PurchaseOrderDate__c "
        "FROM ssot__SalesOrder__dlm ORDER BY ssot__Id__c")  # fmt: skip
    assert [d[0] for d in cursor.description] == [
        "ssot__Id__c", "ssot__GrandTotalAmount__c", "ssot__PurchaseOrderDate__c"]  # fmt: skip
    rows = cursor.fetchall()  # 800 seeded orders: the first page, then /rows?offset=300, 600
    assert len(rows) == 800 and len({r[0] for r in rows}) == 800
    assert rows[0][0] == "ORD-00001" and rows[-1][0] == "ORD-00800"
    assert isinstance(rows[0][1], Decimal)  # Numeric(38, 18)
    assert isinstance(rows[0][2], datetime) and rows[0][2].tzinfo is not None
    conn.close()


def test_named_parameters_are_bound_as_literals(server):
    cursor = connect(server).cursor()
    cursor.execute(
        "SELECT ssot__Id__c FROM ssot__SalesOrder__dlm "
        "WHERE ssot__Id__c = :id OR ssot__Id__c = :other",
        {"id": "ORD-00002", "other": "x' OR '1'='1"},  # a quote stays inside the literal
    )
    assert cursor.fetchall() == [("ORD-00002",)]
    cursor.execute(
        "SELECT COUNT(*) AS n FROM ssot__Individual__dlm WHERE ssot__DataSourceId__c = :src",
        {"src": "POS"},
    )
    assert cursor.fetchone() == (600,)


def test_a_bad_query_is_refused_with_the_engine_message(server):
    cursor = connect(server).cursor()
    with pytest.raises(datacloud.Error, match="INVALID_SQL"):
        cursor.execute("SELECT FROM WHERE")
    with pytest.raises(datacloud.Error, match="ssot__Nope__c"):
        cursor.execute("SELECT ssot__Nope__c FROM ssot__SalesOrder__dlm")


def test_query_status_rows_and_cancel_over_plain_http(server):
    import requests

    token = requests.post(f"{server.url}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": "c", "client_secret": "s"},
        timeout=10).json()["access_token"]  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{server.url}/services/data/v64.0/ssot/query-sql"
    first = requests.post(base, json={"sql": "SELECT ssot__Id__c FROM ssot__SalesOrder__dlm "
                                      "ORDER BY ssot__Id__c", "rowLimit": 5},
                          headers=headers, timeout=10)  # fmt: skip
    assert first.status_code == 201
    body = first.json()
    assert body["returnedRows"] == 5 and body["status"]["rowCount"] == 800
    assert body["status"]["completionStatus"] == "ResultsProduced"
    query_id = body["status"]["queryId"]
    status = requests.get(f"{base}/{query_id}", headers=headers, timeout=10).json()["status"]
    assert status["rowCount"] == 800 and status["chunkCount"] == 3
    page = requests.get(f"{base}/{query_id}/rows", params={"offset": 798, "omitSchema": "true"},
                        headers=headers, timeout=10).json()  # fmt: skip
    assert page == {"data": [["ORD-00799"], ["ORD-00800"]], "returnedRows": 2}
    past = requests.get(f"{base}/{query_id}/rows", params={"offset": 800}, headers=headers,
                        timeout=10)  # fmt: skip
    assert past.status_code == 400 and "out of range" in past.text
    assert requests.delete(f"{base}/{query_id}", headers=headers, timeout=10).status_code == 204
    assert requests.get(f"{base}/{query_id}", headers=headers, timeout=10).status_code == 404
