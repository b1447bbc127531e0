"""Each vendor's real client driven into its own error path by an injected failure."""

from __future__ import annotations

import httpx
import pytest
import requests

from specmock.testing import serve

from .test_veeva_vault_support import login

boto3 = pytest.importorskip("boto3")
botocore = pytest.importorskip("botocore")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def _s3(url: str, attempts: int):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="specmock",
        aws_secret_access_key="specmock-secret",
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )


def _count(url: str, **filters: str) -> list[int]:
    found = httpx.get(url + "/__specmock/requests", params=filters).json()
    return [e["status"] for e in found]


def test_boto3_retries_slowdown_then_raises_it():
    with serve("s3", seed=1, quiet=True, strict=True) as server:
        client = _s3(server.url, attempts=3)
        client.create_bucket(Bucket="reports")
        client.put_object(Bucket="reports", Key="q1.csv", Body=b"a,b\n")
        rule = {"service": "s3", "operation": "GetObject", "error": "SlowDown"}
        assert httpx.post(server.url + "/__specmock/faults", json=rule).status_code == 201
        with pytest.raises(ClientError) as raised:
            client.get_object(Bucket="reports", Key="q1.csv")
        error = raised.value.response
        assert error["Error"]["Code"] == "SlowDown"
        assert error["Error"]["Message"] == "Please reduce your request rate."
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
        retries = error["ResponseMetadata"]["RetryAttempts"]
        assert retries >= 2  # botocore retried SlowDown as throttling, then gave up
        assert _count(server.url, operation="GetObject") == [503] * (retries + 1)


def test_boto3_rides_out_a_slowdown_burst():
    with serve("s3", seed=1, quiet=True, strict=True) as server:
        client = _s3(server.url, attempts=5)
        client.create_bucket(Bucket="reports")
        client.put_object(Bucket="reports", Key="q1.csv", Body=b"a,b\n")
        switched = httpx.post(server.url + "/__specmock/scenarios/slowdown-burst")
        assert switched.status_code == 200
        body = client.get_object(Bucket="reports", Key="q1.csv")["Body"].read()
        assert body == b"a,b\n"
        assert _count(server.url, operation="GetObject") == [503, 503, 503, 200]


def test_vault_client_sees_failure_with_the_named_type_at_http_200():
    with serve("veeva_vault", seed=1, quiet=True, strict=True) as server:
        vault = login(server.url)
        rule = {
            "method": "POST",
            "path": "/api/v25.1/objects/documents",
            "error": "OPERATION_NOT_ALLOWED",
            "first": 1,
        }
        assert httpx.post(server.url + "/__specmock/faults", json=rule).status_code == 201
        data = {
            "name__v": "Refused",
            "type__v": "general__c",
            "lifecycle__v": "general_lifecycle__c",
        }
        body = vault.fails("POST", "/objects/documents", "OPERATION_NOT_ALLOWED", data=data)
        assert body["errors"][0]["message"].startswith("Operation not allowed")
        # the next one goes through: the rule fired for the first match only
        assert vault.create("Accepted") > 0
        # and an httpx client sees the same envelope for a header-injected error
        reply = httpx.get(
            f"{vault.api}/objects/documents",
            headers={**vault.headers(), "X-Specmock-Fault": "API_LIMIT_EXCEEDED"},
        )
        assert reply.status_code == 200 and reply.json()["responseStatus"] == "FAILURE"
        assert reply.json()["errors"][0]["type"] == "API_LIMIT_EXCEEDED"
        assert reply.headers["X-VaultAPI-BurstLimitRemaining"] == "0"


pysfmc = pytest.importorskip("pysfmc")


def test_sfmc_client_sees_sfmcs_errorcode_and_retry_after():
    from pydantic import SecretStr
    from pysfmc import SFMCClient
    from pysfmc.auth import SFMCSettings
    from pysfmc.exceptions import SFMCRateLimitError, SFMCServerError

    with serve("sfmc", seed=1, quiet=True, strict=True) as server:

        class Settings(SFMCSettings):  # the client derives its auth host from the subdomain
            @property
            def auth_base_url(self) -> SecretStr:
                return SecretStr(server.url)

        settings = Settings(
            client_id="specmock-sfmc-client-id",
            client_secret="specmock-sfmc-client-secret",
            account_id="100000001",
            subdomain="mc",
        )
        with SFMCClient(settings) as client:
            assert "items" in client.get("/data/v1/customobjects")
            httpx.put(
                server.url + "/__specmock/faults",
                json={
                    "service": "sfmc",
                    "path": "/data/v1/customobjects",
                    "error": "RateLimitExceeded",
                },
            )
            with pytest.raises(SFMCRateLimitError) as limited:
                client.get("/data/v1/customobjects")
            assert limited.value.retry_after == 5
            assert limited.value.response.json()["errorcode"] == 0
            assert str(limited.value).startswith("Too many requests")
            httpx.put(
                server.url + "/__specmock/faults",
                json={"service": "sfmc", "path": "/data/v1/customobjects", "status": 500},
            )
            with pytest.raises(SFMCServerError) as failed:
                client.get("/data/v1/customobjects")
            body = failed.value.response.json()
            assert body["errorcode"] == 0 and body["documentation"].startswith("https://")
            assert "unexpected error" in body["message"]


def test_requests_sees_the_order_service_outage():
    with serve("order_server", seed=1, quiet=True, strict=True) as server:
        httpx.post(server.url + "/__specmock/scenarios/outage")
        reply = requests.get(server.url + "/order", timeout=10)
        assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
        assert reply.json() == {
            "code": 503,
            "message": "The order database is unavailable; retry later.",
        }


def test_cli_starts_in_a_preset_scenario():
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "specmock",
        "serve",
        "order_server",
        "--port",
        str(port),
        "--scenario",
        "outage",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/order", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert reply.status_code == 503
        assert reply.json()["message"] == "The order database is unavailable; retry later."
        wrong = subprocess.run(
            [*cmd[:-3], "--scenario", "nope"], capture_output=True, text=True, timeout=60
        )
        assert wrong.returncode == 2 and "known: " in wrong.stderr and "outage" in wrong.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
