"""End to end: examples/mockmode_app.py against `specmock serve mockmode` (the real CLI in a
child process). Every effect of the application is visible through the providers' own APIs
and the journal, and a second run with the same seed gives the same bytes."""

from __future__ import annotations

import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import httpx
from pypdf import PdfReader

from .conftest import ROOT

SEED = "7"
FROZEN = "2030-01-02T03:04:05Z"


def _app() -> Any:
    spec = importlib.util.spec_from_file_location(
        "mockmode_app", ROOT / "examples" / "mockmode_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _mockmode() -> Iterator[str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "specmock", "serve", "mockmode", "--seed", SEED,
           "--port", str(port), "--quiet"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/__specmock/health", timeout=0.5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "specmock serve mockmode did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _run_once() -> dict[str, Any]:
    """One run of the application and everything it left behind, as the APIs show it."""
    app = _app()
    with _mockmode() as url:
        admin = url + "/__specmock"
        httpx.post(admin + "/clock", json={"set": FROZEN, "freeze": True}).raise_for_status()
        providers = httpx.get(admin + "/providers").json()
        env = {k: v for p in providers for k, v in p["env"].items()}
        done = app.run("1042", env)
        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )
        bucket, key = done["s3_key"].split("/", 1)
        stored = s3.get_object(Bucket=bucket, Key=key)
        journal = httpx.get(admin + "/requests").json()
        counters = {p["name"]: p["counters"] for p in httpx.get(admin + "/providers").json()}
    return {
        "pdf": done["pdf"],
        "stored": stored["Body"].read(),
        "stored_type": stored["ContentType"],
        "counters": counters,
        "exchanges": [
            (e["method"], e["path"], e["status"], e["operation"], e["response_body"])
            for e in journal
        ],
    }


def test_the_app_in_mock_mode_leaves_every_effect_visible_and_repeats_byte_for_byte():
    first = _run_once()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(first["stored"])).pages]
    assert pages == [
        "Invoice 1042\n- Widget x 2: 9.50 EUR\n- Gadget x 1: 23.00 EUR\nTotal: 42.00 EUR",
        "Terms: payable within 30 days.",
    ]
    assert first["stored"] == first["pdf"] and first["stored_type"] == "application/pdf"
    operations = [e[3] for e in first["exchanges"]]
    assert {"convertHtml", "CreateBucket", "PutObject", "GetObject"} <= set(operations)
    assert all(e[2] < 400 for e in first["exchanges"]), first["exchanges"]
    assert first["counters"]["gotenberg"] == {"requests": 1, "errors": 0}
    assert first["counters"]["s3"]["requests"] == 4  # list, create, put, get

    second = _run_once()
    assert second == first
