"""The published `salesforce-cdp-connector` against specmock over TLS.

The connector hard-codes `https://{instance_url}` (certificate checks off) for the tenant
calls, so specmock runs as a real server with an HTTPS listener and the token exchange
names that listener as the tenant host.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from .conftest import SPECS

pytest.importorskip("salesforcecdpconnector")
requests = pytest.importorskip("requests")
connector = pytest.importorskip("salesforcecdpconnector.connection")


@dataclass
class Servers:
    http: str
    tls_port: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"specmock exited: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    http, tls = _free_port(), _free_port()
    env = {**os.environ, "SPECMOCK_SALESFORCE_CDP_TENANT_HOST": f"127.0.0.1:{tls}",
           "SPECMOCK_SALESFORCE_CDP_BATCH_ROWS": "250"}
    cmd = [sys.executable, "-m", "specmock", "serve", str(SPECS / "salesforce_cdp.yaml"),
           "--port", str(http), "--tls-port", str(tls), "--seed", "1", "--strict", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait(http, proc)
        _wait(tls, proc)
        yield Servers(f"http://127.0.0.1:{http}", tls)
    finally:
        proc.terminate()  # idle keep-alive connections of the connector can hold it open
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_connector_reads_streamed_rows_over_tls(servers):
    conn = connector.SalesforceCDPConnection(
        servers.http, username="u@example.com", password="pw", client_id="cid",
        client_secret="secret")
    token, instance = conn.authentication_helper.get_token()
    assert instance == f"127.0.0.1:{servers.tls_port}"
    ingested = requests.post(
        f"https://{instance}/api/v1/ingest/sources/Customer_API/customers",
        json={"data": [{"customer_id": "TLS-1", "first_name": "Tess", "last_name": "Layer",
                        "created_at": "2024-03-04T05:06:07.089Z"}]},
        headers={"Authorization": f"Bearer {token}"}, verify=False, timeout=10)
    assert ingested.status_code == 202
    cursor = conn.cursor()
    cursor.execute("SELECT ssot__Id__c, ssot__FirstName__c, ssot__CreatedDate__c "
                   "FROM ssot__Individual__dlm WHERE ssot__Id__c = 'TLS-1'")
    (row,) = cursor.fetchall()
    assert row[:2] == ["TLS-1", "Tess"]
    assert row[2].isoformat() == "2024-03-04T05:06:07.089000+00:00"  # TIMESTAMP → datetime
    assert [d[0] for d in cursor.description] == [
        "ssot__Id__c", "ssot__FirstName__c", "ssot__CreatedDate__c"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_connector_follows_batches_and_lists_tables(servers):
    conn = connector.SalesforceCDPConnection(
        servers.http, client_id="cid", client_secret="secret")  # client_credentials
    cursor = conn.cursor()
    cursor.execute("SELECT ssot__Id__c, ssot__GrandTotalAmount__c FROM ssot__SalesOrder__dlm "
                   "ORDER BY ssot__Id__c")
    rows = cursor.fetchall()  # 800 seeded orders: four batches of at most 250
    assert len(rows) == 800 and rows[0][0] == "ORD-00001"
    assert all(isinstance(r[1], float) for r in rows)  # DECIMAL strings → float
    cursor.execute("SELECT ssot__DataSourceId__c AS src, COUNT(*) AS n "
                   "FROM ssot__Individual__dlm GROUP BY ssot__DataSourceId__c ORDER BY src")
    assert cursor.fetchall()[-1] == ["POS", 600]
    tables = conn.list_tables(table_name="ssot__Individual__dlm")
    assert [t.name for t in tables] == ["ssot__Individual__dlm"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_connector_reads_a_dataframe_from_arrow_batches(servers):
    pytest.importorskip("pyarrow")
    conn = connector.SalesforceCDPConnection(
        servers.http, client_id="cid", client_secret="secret")
    frame = conn.get_pandas_dataframe(  # Arrow IPC batches of 250 rows, four of them
        "SELECT ssot__Id__c AS id, ssot__GrandTotalAmount__c AS total, "
        "ssot__PurchaseOrderDate__c AS created, 7 AS seven "
        "FROM ssot__SalesOrder__dlm ORDER BY ssot__Id__c")
    assert list(frame.columns) == ["id", "total", "created", "seven"]
    assert len(frame) == 800 and frame["id"].iloc[0] == "ORD-00001"
    assert str(frame["total"].dtype) == "float64"  # DECIMAL strings cast by the connector
    assert str(frame["created"].dtype).startswith("datetime64")
    assert frame["seven"].tolist() == [7] * 800
    cursor = conn.cursor()
    cursor.execute("SELECT ssot__Id__c, ssot__GrandTotalAmount__c FROM ssot__SalesOrder__dlm "
                   "ORDER BY ssot__Id__c")
    rows = cursor.fetchall()
    assert frame["id"].tolist() == [r[0] for r in rows]
    assert frame["total"].tolist() == [r[1] for r in rows]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"status": 500}, "An unexpected error occurred"),
        ({"error": "REQUEST_LIMIT_EXCEEDED"}, "Request limit exceeded"),
    ],
)
def test_connector_surfaces_the_vendors_message_of_an_injected_failure(servers, rule, words):
    conn = connector.SalesforceCDPConnection(
        servers.http, client_id="cid", client_secret="secret")
    faults = f"{servers.http}/__specmock/faults"
    added = requests.put(faults, json={"path": "^/api/v[12]/query", **rule}, timeout=10)
    assert added.status_code == 200, added.text
    try:
        with pytest.raises(Exception, match=words) as raised:
            conn.cursor().execute("SELECT ssot__Id__c FROM ssot__Individual__dlm LIMIT 1")
        assert "specmock" not in str(raised.value)
    finally:
        requests.delete(faults, timeout=10)
