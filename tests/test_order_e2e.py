"""End to end: `specmock serve order_server` and `specmock serve callback_server` as real
processes on loopback, on frozen virtual clocks moved in step by the test.

Each test adds its steps, with the order references, to a readable execution report,
written at the end of the module to $SPECMOCK_REPORT_DIR (default: pytest's temporary
folder) as order_e2e_report.md, and printed in the `-rA` summary.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .test_order_service import START, Pair, wait_for

SEED = 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """One `specmock serve` child with its log file; stopped by its own pid."""

    def __init__(self, name: str, env: dict[str, str], folder: Path,
                 extra: list[str] | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        cmd = [sys.executable, "-m", "specmock", "serve", name, "--port", str(self.port),
               "--seed", str(SEED), "--strict", *(extra or [])]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env})
        ready = wait_for(self._healthy, timeout=20)
        if not ready:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n{self.log.read_text()}")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:
            return httpx.get(self.url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Report:
    """Steps in plain language, one line each, grouped by test."""

    def __init__(self) -> None:
        self.lines: list[str] = ["# Order service end-to-end report", ""]

    def section(self, title: str) -> None:
        self.lines += ["", f"## {title}", ""]

    def step(self, text: str) -> None:
        self.lines.append(f"{sum(1 for x in self.lines if x[:1].isdigit()) + 1}. {text}")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    book = Report()
    yield book
    folder = Path(os.environ.get("SPECMOCK_REPORT_DIR") or tmp_path_factory.mktemp("report"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "order_e2e_report.md"
    out.write_text("\n".join(book.lines) + "\n", encoding="utf-8")
    print(f"\nexecution report: {out}\n" + "\n".join(book.lines))


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, Process]]:
    folder = tmp_path_factory.mktemp("e2e")
    env = {"SPECMOCK_CALLBACK_LOG_DIR": str(folder / "callbacks"),
           "SPECMOCK_CALLBACK_ATTEMPTS": "3", "SPECMOCK_CALLBACK_TIMEOUT": "1"}
    callbacks = Process("callback_server", env, folder)
    try:
        orders = Process("order_server", env, folder)
    except Exception:
        callbacks.stop()
        raise
    try:
        yield orders, callbacks
    finally:
        orders.stop()
        callbacks.stop()


@pytest.fixture
def pair(services: tuple[Process, Process]) -> Iterator[Pair]:
    orders, callbacks = services
    pair = Pair(orders.url, callbacks.url)
    pair.http.delete(callbacks.url + "/__specmock/faults")
    yield pair
    pair.http.delete(callbacks.url + "/__specmock/faults")


def _attempts(pair: Pair, reference: str, seq: int, n: int) -> list[dict[str, Any]]:
    found = pair.http.get(pair.orders + "/admin/deliveries", params={"reference": reference})
    mine = [a for a in found.json() if a["seq"] == seq]
    return mine if len(mine) >= n else []


def test_an_order_completes_and_every_notification_arrives_in_order(
        pair: Pair, services: tuple[Process, Process], report: Report):
    report.section("Lifecycle: creation to completion")
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = pair.http.post(
        pair.orders + "/order",
        json={"customer_id": "c-1", "items": [{"sku": "SKU-1", "quantity": 2}],
              "callback_url": pair.callbacks + "/callback"},
        headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert answer.status_code == 201
    reference = answer.json()["reference"]
    report.step(f"POST /order → 201, reference {reference}, trace {trace}")
    for second in (1, 2, 3):
        pair.clock({"advance": 1})
        report.step(f"both clocks advanced to {START[:-3]}0{second}Z")
    seen = wait_for(lambda: len(pair.check(reference)) == 4 and pair.check(reference))
    assert [n["status"] for n in seen] == ["created", "accepted", "processing", "completed"]
    assert [n["seq"] for n in seen] == [1, 2, 3, 4]
    assert {n["trace_id"] for n in seen} == {trace}
    report.step(f"GET /check?reference={reference} → "
                + " → ".join(n["status"] for n in seen) + " (in order, one trace id)")
    order = pair.http.get(pair.orders + "/order", params={"reference": reference}).json()
    assert order["status"] == "completed" and order["trace_id"] == trace
    report.step(f"GET /order?reference={reference} → completed, history of 4 steps")
    orders, callbacks = services
    assert wait_for(lambda: trace in callbacks.log.read_text())
    assert trace in orders.log.read_text()
    report.step("both services' logs show the same trace id")


def test_a_receiver_failing_twice_gets_three_attempts_at_the_configured_backoff(
        pair: Pair, report: Report):
    report.section("Retries: receiver fails twice, then succeeds")
    rule = {"service": "callback_server", "operation": "receiveCallback", "first": 2,
            "status": 503}
    assert pair.http.post(pair.callbacks + "/__specmock/faults", json=[rule]).status_code == 201
    report.step("fault rule on callback_server: the first 2 deliveries answer 503")
    pair.clock({"set": "2030-01-02T00:00:00Z"})
    reference = pair.order().json()["reference"]
    report.step(f"POST /order → reference {reference}")
    first = wait_for(lambda: _attempts(pair, reference, 1, 1))
    assert first[0]["outcome"] == "503"
    pair.clock({"advance": 1.2})
    second = wait_for(lambda: _attempts(pair, reference, 1, 2))
    assert second[1]["outcome"] == "503"
    pair.clock({"advance": 2.3})
    third = wait_for(lambda: _attempts(pair, reference, 1, 3))
    assert [a["outcome"] for a in third] == ["503", "503", "200"]
    gaps = [third[1]["due"] - third[0]["at"], third[2]["due"] - third[1]["at"]]
    for n, gap in enumerate(gaps, start=1):
        assert 2 ** (n - 1) <= gap <= 2 ** (n - 1) * 1.1 + 1e-6
        report.step(f"attempt {n} → 503; attempt {n + 1} scheduled {gap:.3f} s later")
    report.step("attempt 3 → 200")


def test_an_always_failing_receiver_ends_in_dead_letters_and_is_redriven(
        pair: Pair, report: Report):
    report.section("Dead letters: receiver always fails, then recovers")
    pair.clock({"set": "2030-01-03T00:00:00Z"})
    rule = {"service": "callback_server", "operation": "receiveCallback", "status": 500}
    pair.http.post(pair.callbacks + "/__specmock/faults", json=[rule])
    report.step("fault rule on callback_server: every delivery answers 500")
    reference = pair.order().json()["reference"]
    report.step(f"POST /order → reference {reference}")
    wait_for(lambda: _attempts(pair, reference, 1, 1))
    pair.clock({"advance": 1.2})
    wait_for(lambda: _attempts(pair, reference, 1, 2))
    pair.clock({"advance": 2.3})
    attempts = wait_for(lambda: _attempts(pair, reference, 1, 3))
    assert [a["outcome"] for a in attempts] == ["500", "500", "500"]

    def dead() -> list[dict[str, Any]]:
        letters = pair.http.get(pair.orders + "/admin/dead-letters").json()
        return [d for d in letters if d["reference"] == reference]

    letters = wait_for(dead)
    assert letters and letters[0]["seq"] == 1 and letters[0]["attempts"] == 3
    report.step(f"after 3 attempts, dead letter {letters[0]['id']} (seq 1, created)")
    pair.http.delete(pair.callbacks + "/__specmock/faults")
    report.step("fault rule removed")
    letter = letters[0]
    answer = pair.http.post(pair.orders + f"/admin/dead-letters/{letter['id']}/redrive")
    assert answer.status_code == 202 and answer.json()["id"] == letter["id"]
    report.step(f"POST /admin/dead-letters/{letter['id']}/redrive → 202")
    pair.clock({"advance": 10})  # past the pending retry of the notifications queued behind
    seen = wait_for(lambda: len(pair.check(reference)) == 4 and pair.check(reference))
    assert sorted(n["seq"] for n in seen) == [1, 2, 3, 4]
    assert dead() == []
    report.step(f"GET /check?reference={reference} → "
                + ", ".join(n["status"] for n in seen) + " (the re-driven one last)")
    missing = pair.http.post(pair.orders + "/admin/dead-letters/nope/redrive")
    assert missing.status_code == 404


def test_a_tampered_signature_is_rejected(pair: Pair, report: Report):
    report.section("Signatures")
    body = {"reference": "6f1c5a4e-1b2f-4c3a-9d8e-7f6a5b4c3d2e", "status": "completed",
            "previous": "processing", "seq": 4, "at": START}
    headers = {"X-Signature": "sha256=" + "0" * 64,
               "X-Signature-Timestamp": f"{1_893_456_000.0:.3f}"}
    answer = pair.http.post(pair.callbacks + "/callback", json=body, headers=headers)
    assert answer.status_code == 401
    report.step(f"POST /callback with a forged signature for {body['reference']} → 401")
