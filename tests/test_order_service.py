"""Both services in-process (real servers on loopback, strict contracts, virtual clocks)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from specmock.runtime.callbacks import DEFAULT_SECRET, canonical, sign
from specmock.testing import serve

START = "2030-01-01T00:00:00Z"
T0 = 1_893_456_000.0


def wait_for(probe: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until probe() is truthy: deliveries travel over real sockets, so a bounded wait."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


class Pair:
    """An order service and a callback service sharing a frozen virtual time."""

    def __init__(self, orders: str, callbacks: str):
        self.orders, self.callbacks = orders, callbacks
        self.http = httpx.Client(timeout=10)
        self.clock({"set": START, "freeze": True})

    def clock(self, command: dict[str, Any]) -> None:
        for url in (self.orders, self.callbacks):
            assert self.http.post(url + "/__specmock/clock", json=command).status_code == 200

    def order(self, **extra: Any) -> httpx.Response:
        body = {"customer_id": "c-1", "items": [{"sku": "SKU-1", "quantity": 2}],
                "callback_url": self.callbacks + "/callback", **extra}
        return self.http.post(self.orders + "/order", json=body)

    def check(self, reference: str) -> list[dict[str, Any]]:
        answer = self.http.get(self.callbacks + "/check", params={"reference": reference})
        return answer.json()["notifications"]


@pytest.fixture
def pair(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[Pair]:
    monkeypatch.setenv("SPECMOCK_CALLBACK_LOG_DIR", str(tmp_path))
    monkeypatch.setenv("SPECMOCK_CALLBACK_TIMEOUT", "0.3")
    with serve("callback_server", seed=1, quiet=True) as cb, \
            serve("order_server", seed=1, quiet=True) as orders:
        yield Pair(orders.url, cb.url)


def test_health_on_both_services(pair: Pair):
    assert pair.http.get(pair.orders + "/health").json() == {"status": "ok",
                                                            "service": "order_server"}
    assert pair.http.get(pair.callbacks + "/health").json()["status"] == "ok"


def test_bad_input_is_refused_naming_the_field(pair: Pair):
    answer = pair.order(items=[])
    assert answer.status_code == 400 and "/items" in answer.json()["message"]
    answer = pair.http.post(pair.orders + "/order", json={"items": [{"sku": "a", "quantity": 1}]})
    assert answer.status_code == 400 and "customer_id" in answer.json()["message"]
    answer = pair.http.get(pair.orders + "/order", params={"reference": "nope"})
    assert answer.status_code == 400 and "reference" in answer.json()["message"]
    missing = "6f1c5a4e-1b2f-4c3a-9d8e-7f6a5b4c3d2e"
    answer = pair.http.get(pair.orders + "/order", params={"reference": missing})
    assert answer.status_code == 404 and missing in answer.json()["message"]


def test_an_illegal_transition_is_409_and_a_legal_one_is_applied_and_notified(pair: Pair):
    reference = pair.order().json()["reference"]
    url = pair.orders + "/order/transition"
    answer = pair.http.post(url, json={"reference": reference, "status": "completed"})
    assert answer.status_code == 409
    assert "'created' cannot move to 'completed'" in answer.json()["message"]
    order = pair.http.get(pair.orders + "/order", params={"reference": reference}).json()
    assert order["status"] == "created" and len(order["history"]) == 1
    answer = pair.http.post(url, json={"reference": reference, "status": "cancelled",
                                       "reason": "customer asked"})
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    pair.clock({"advance": 10})  # a cancelled order stays cancelled
    order = pair.http.get(pair.orders + "/order", params={"reference": reference}).json()
    assert [h["status"] for h in order["history"]] == ["created", "cancelled"]
    seen = wait_for(lambda: len(pair.check(reference)) == 2 and pair.check(reference))
    assert [n["status"] for n in seen] == ["created", "cancelled"]


def test_an_order_fails_on_request_from_processing(pair: Pair):
    reference = pair.order().json()["reference"]
    pair.clock({"advance": 2})
    order = pair.http.get(pair.orders + "/order", params={"reference": reference}).json()
    assert order["status"] == "processing"
    answer = pair.http.post(pair.orders + "/order/transition",
                            json={"reference": reference, "status": "failed"})
    assert answer.json()["status"] == "failed"
    seen = wait_for(lambda: len(pair.check(reference)) == 4 and pair.check(reference))
    assert [n["status"] for n in seen] == ["created", "accepted", "processing", "failed"]


def _signed(body: dict[str, Any], secret: str = DEFAULT_SECRET, at: float = T0) -> dict:
    stamp = f"{at:.3f}"
    return {"X-Signature": sign(secret, stamp, canonical(body)), "X-Signature-Timestamp": stamp,
            "content-type": "application/json"}


def test_the_callback_service_rejects_unsigned_tampered_and_stale_requests(pair: Pair):
    body = {"reference": "6f1c5a4e-1b2f-4c3a-9d8e-7f6a5b4c3d2e", "status": "accepted",
            "previous": "created", "seq": 2, "at": START}
    url = pair.callbacks + "/callback"
    cases = {
        "unsigned": {"content-type": "application/json"},
        "tampered": _signed({**body, "status": "completed"}),
        "wrong secret": _signed(body, secret="guess"),
        "stale": _signed(body, at=T0 - 3600),
    }
    for name, headers in cases.items():
        answer = pair.http.post(url, content=canonical(body), headers=headers)
        assert answer.status_code == 401, name
        assert "X-Signature" in answer.json()["message"], name
    assert pair.check(body["reference"]) == []
    answer = pair.http.post(url, content=canonical(body), headers=_signed(body))
    assert answer.status_code == 200 and answer.json() == {"received": True, "duplicate": False}
    answer = pair.http.post(url, content=canonical(body), headers=_signed(body))
    assert answer.json()["duplicate"] is True
    assert len(pair.check(body["reference"])) == 1
    # the signature covers the bytes: the same JSON re-spaced is not what was signed
    respaced = canonical(body).replace(b',"', b', "')
    assert pair.http.post(url, content=respaced, headers=_signed(body)).status_code == 401


def test_a_receiver_that_times_out_is_retried(pair: Pair):
    rule = {"service": "callback_server", "operation": "receiveCallback", "first": 1,
            "fault": "timeout", "seconds": 2}
    assert pair.http.post(pair.callbacks + "/__specmock/faults", json=[rule]).status_code == 201
    reference = pair.order().json()["reference"]
    deliveries = pair.orders + "/admin/deliveries"

    def attempts(n: int) -> list[dict[str, Any]]:
        found = pair.http.get(deliveries, params={"reference": reference}).json()
        return found if len(found) >= n else []

    first = wait_for(lambda: attempts(1))
    assert "Timeout" in first[0]["outcome"]
    pair.clock({"advance": 1.2})  # past the first backoff (1 s plus at most 10% jitter)
    second = wait_for(lambda: attempts(2))
    assert second[1]["outcome"] == "200" and second[1]["attempt"] == 2


def test_the_order_api_answers_injected_errors_in_its_contract_shape(pair: Pair):
    rule = {"service": "order_server", "operation": "createOrder", "first": 1, "status": 503}
    assert pair.http.post(pair.orders + "/__specmock/faults", json=[rule]).status_code == 201
    failed = pair.order()
    assert failed.status_code == 503 and set(failed.json()) >= {"code", "message"}
    assert pair.order().status_code == 201
    answer = pair.http.get(pair.orders + "/order", headers={"X-Specmock-Fault": "500"},
                           params={"reference": "6f1c5a4e-1b2f-4c3a-9d8e-7f6a5b4c3d2e"})
    assert answer.status_code == 500


def test_a_shared_secret_set_by_option_signs_and_verifies(monkeypatch, tmp_path):
    monkeypatch.setenv("SPECMOCK_CALLBACK_LOG_DIR", str(tmp_path))
    team = {"callback_secret": "team-secret", "order_delays": "1,1,1"}
    with serve("callback_server", seed=1, quiet=True, options=team) as cb, \
            serve("order_server", seed=1, quiet=True, options=team) as orders:
        pair = Pair(orders.url, cb.url)
        reference = pair.order().json()["reference"]
        pair.clock({"advance": 5})
        seen = wait_for(lambda: len(pair.check(reference)) == 4 and pair.check(reference))
        assert [n["status"] for n in seen] == ["created", "accepted", "processing", "completed"]
        body = {"reference": reference, "status": "accepted", "previous": "created", "seq": 9,
                "at": START}
        default_signed = pair.http.post(cb.url + "/callback", content=canonical(body),
                                        headers=_signed(body))
        assert default_signed.status_code == 401  # the default secret no longer verifies


def test_the_scheduler_follows_the_clock_the_admin_api_swaps_in(monkeypatch, tmp_path):
    monkeypatch.setenv("SPECMOCK_CALLBACK_LOG_DIR", str(tmp_path))
    slow = {"order_delays": "100,100,100"}
    with serve("callback_server", seed=1, quiet=True) as cb, \
            serve("order_server", seed=1, quiet=True, options=slow) as orders:
        http = httpx.Client(timeout=10)
        body = {"customer_id": "c-1", "items": [{"sku": "SKU-1", "quantity": 1}],
                "callback_url": cb.url + "/callback"}
        reference = http.post(orders.url + "/order", json=body).json()["reference"]  # real time
        check = cb.url + "/check"

        def arrived() -> int:
            return len(http.get(check, params={"reference": reference}).json()["notifications"])

        assert wait_for(lambda: arrived() == 1)  # "created", signed and received in real time
        now = time.time()
        for url in (orders.url, cb.url):  # virtual time from here; no order request follows
            http.post(url + "/__specmock/clock", json={"set": now, "freeze": True})
            http.post(url + "/__specmock/clock", json={"advance": 400})
        assert wait_for(lambda: arrived() == 4), "the scheduler kept waiting on real time"


def test_pending_notifications_and_dead_letters_survive_a_restart(monkeypatch, tmp_path):
    monkeypatch.setenv("SPECMOCK_CALLBACK_LOG_DIR", str(tmp_path))
    state = f"sqlite:///{tmp_path / 'orders.db'}"
    retry = {"callback_attempts": "2", "callback_backoff": "100"}
    with serve("callback_server", seed=1, quiet=True) as cb:
        http = httpx.Client(timeout=10)
        faults = cb.url + "/__specmock/faults"
        always = {"service": "callback_server", "operation": "receiveCallback", "status": 500}
        assert http.post(faults, json=[always]).status_code == 201
        body = {"customer_id": "c-1", "items": [{"sku": "SKU-1", "quantity": 1}],
                "callback_url": cb.url + "/callback"}
        with serve("order_server", seed=1, quiet=True, state=state, options=retry) as orders:
            reference = http.post(orders.url + "/order", json=body).json()["reference"]
            first = orders.url + "/admin/deliveries"
            assert wait_for(lambda: http.get(first).json())  # one failed attempt, retry in 100 s
        http.delete(faults)  # the receiver recovers while the order service is down
        with serve("order_server", seed=1, quiet=True, state=state, options=retry) as orders:
            http.get(orders.url + "/health")
            now = time.time()
            http.post(orders.url + "/__specmock/clock", json={"set": now + 200, "freeze": True})

            def arrived() -> list[dict[str, Any]]:
                check = http.get(cb.url + "/check", params={"reference": reference}).json()
                return check["notifications"]

            seen = wait_for(lambda: len(arrived()) == 4 and arrived())
            assert [n["status"] for n in seen] == ["created", "accepted", "processing",
                                                   "completed"]
        assert http.post(faults, json=[always]).status_code == 201
        dead_after = {**retry, "callback_attempts": "1"}
        with serve("order_server", seed=1, quiet=True, state=state, options=dead_after) as orders:
            second = http.post(orders.url + "/order", json=body).json()["reference"]
            dead = orders.url + "/admin/dead-letters"
            letters = wait_for(lambda: http.get(dead).json())
            assert [d["reference"] for d in letters] == [second]
        http.delete(faults)
        with serve("order_server", seed=1, quiet=True, state=state, options=dead_after) as orders:
            dead = orders.url + "/admin/dead-letters"
            kept = http.get(dead).json()
            assert [d["id"] for d in kept] == [d["id"] for d in letters]
            redriven = http.post(f"{dead}/{kept[0]['id']}/redrive")
            assert redriven.status_code == 202
            assert wait_for(lambda: any(n["reference"] == second and n["status"] == "created"
                                        for n in http.get(cb.url + "/check", params={
                                            "reference": second}).json()["notifications"]))
