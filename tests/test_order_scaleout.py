"""The order service run as two real specmock processes on one store (Redis, SQLite or
MariaDB), behind a real HAProxy: every status move and every notification happens once,
whichever process takes the order, and the process left standing finishes what a killed
one had started.

The notifications go to a plain HTTP receiver in this test, which keeps every request it
gets (a duplicate would show) and checks each signature.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from specmock.callbacks import (
    DEFAULT_SECRET,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Scheduler,
    sign,
)
from specmock.overrides.order_server.machine import Delays, move
from specmock.runtime.clock import VirtualClock
from specmock.runtime.state import open_store
from specmock.runtime.state.mysql import MysqlStore
from specmock.testing import serve

from .mariadb_server import mysql_url  # noqa: F401
from .redis_server import redis_url, restartable_redis  # noqa: F401
from .test_cli import serving
from .test_deployment import documented, haproxy_in_front
from .test_order_service import wait_for

T0 = 1_900_000_000.0
PATIENCE = 30.0  # seconds a wait may take on a loaded machine
STEPS = ["created", "accepted", "processing", "completed"]


class Receiver:
    """Answers 204 (or 503 while `failing`) and keeps every request, failed ones apart."""

    def __init__(self) -> None:
        self.failing = False
        self.received: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.bad_signatures = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                stamp = self.headers[TIMESTAMP_HEADER]
                with lock:
                    if self.headers[SIGNATURE_HEADER] != sign(DEFAULT_SECRET, stamp, body):
                        outer.bad_signatures += 1
                    (outer.refused if outer.failing else outer.received).append(json.loads(body))
                self.send_response(503 if outer.failing else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def steps(self, references: list[str]) -> dict[str, list[str]]:
        mine = set(references)
        found: dict[str, list[str]] = {r: [] for r in references}
        for n in self.received:
            if n["reference"] in mine:
                found[n["reference"]].append(n["status"])
        return found


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()


def _clock(urls: tuple[str, ...], command: dict[str, Any]) -> None:
    for url in urls:
        assert httpx.post(url + "/__specmock/clock", json=command).status_code == 200


def _create(url: str, receiver: Receiver, n: int) -> list[str]:
    body = {
        "customer_id": "c-1",
        "items": [{"sku": "SKU-1", "quantity": 1}],
        "callback_url": receiver.url,
    }

    def one(_: int) -> str:
        answer = httpx.post(url + "/order", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()["reference"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture(params=["redis", "sqlite", "mysql"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store two processes share: Redis, one SQLite file, or MariaDB (own table prefix)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orders.db'}"
        return
    server = request.getfixturevalue(f"{request.param}_url")
    url = f"{server}?prefix=orders{uuid.uuid4().hex[:10]}"
    yield url
    if request.param == "mysql":
        store = open_store(url)
        assert isinstance(store, MysqlStore)
        store.drop_tables()


def test_two_processes_move_and_notify_each_order_once_and_survive_one_dying(
    state: str, tmp_path: Path
):
    first_line, second_line = documented("order_server", state)  # as docs/deployment.md
    fast = ("--quiet", "--option", "order_delays=1,1,1", "--option", "callback_backoff=1")
    with (
        receiving() as receiver,
        serving(*first_line, *fast) as (one, first),
        serving(*second_line, *fast) as (two, _),
        haproxy_in_front(one, two, tmp_path) as front,
    ):
        both = (one, two)
        _clock(both, {"set": T0, "freeze": True})  # moves and retries only when moved on

        # Both alive: orders through the balancer; both schedulers race for every move.
        shared = _create(front, receiver, 12)
        assert len(set(shared)) == 12
        assert wait_for(lambda: len(receiver.received) >= 12, PATIENCE)  # each "created"
        _clock(both, {"advance": 10})  # every automatic move is due in both processes
        assert wait_for(lambda: len(receiver.received) >= 48, PATIENCE)
        time.sleep(1)  # long enough for any duplicate to arrive
        assert receiver.steps(shared) == {r: STEPS for r in shared}
        assert len(receiver.received) == 48
        for url in both:  # both took orders, and both list every attempt
            taken = httpx.get(url + "/__specmock/requests", params={"method": "POST"}).json()
            assert len([e for e in taken if e.get("path") == "/order"]) >= 2
            attempts = httpx.get(url + "/admin/deliveries").json()
            assert len(attempts) == 48

        # The receiver fails: the "created" notifications of new orders wait for a retry.
        receiver.failing = True
        left = _create(front, receiver, 8)
        assert wait_for(lambda: len(receiver.refused) == 8, PATIENCE)
        time.sleep(0.5)  # the failed attempts are written back to the store
        first.send_signal(signal.SIGKILL)  # one process dies with its share of the work
        first.wait(10)
        receiver.failing = False
        _clock((two,), {"advance": 10})  # retries and moves due: only `two` is left
        assert wait_for(lambda: all(len(s) == 4 for s in receiver.steps(left).values()), PATIENCE)
        time.sleep(1)
        assert receiver.steps(left) == {r: STEPS for r in left}  # once each, in order
        assert len(receiver.received) == 48 + 32
        counted = Counter((n["reference"], n["seq"]) for n in receiver.received)
        assert set(counted.values()) == {1}
        assert receiver.bad_signatures == 0
        assert httpx.get(two + "/admin/dead-letters").json() == []
        # The balancer's health check takes the dead process out of the rotation.
        assert wait_for(
            lambda: all(httpx.get(front + "/health").status_code == 200 for _ in range(4)),
            PATIENCE,
        )
        for reference in left:  # every order moved on once, by the process left
            order = httpx.get(front + "/order", params={"reference": reference}).json()
            assert "history" in order, order
            assert [h["status"] for h in order["history"]] == STEPS


def test_moves_and_notifications_wait_out_a_store_outage(caplog):
    with restartable_redis() as server:
        _wait_out_an_outage(server, caplog)


def _wait_out_an_outage(restartable, caplog) -> None:
    prefix = f"out{uuid.uuid4().hex[:10]}"
    state = f"{restartable.url}?prefix={prefix}"
    queued = f"{prefix}:items:order_server:/deliveries"
    options = {"order_delays": "1,1,1"}
    with (
        receiving() as receiver,
        serve("order_server", seed=1, quiet=True, state=state, options=options) as orders,
    ):
        _clock((orders.url,), {"set": T0, "freeze": True})
        (reference,) = _create(orders.url, receiver, 1)
        assert wait_for(lambda: len(receiver.received) == 1, PATIENCE)
        direct = redis.Redis.from_url(restartable.url)
        assert wait_for(lambda: direct.hlen(queued) == 0, PATIENCE)  # written down as sent
        direct.save()  # the restart finds the data again
        restartable.stop()
        _clock((orders.url,), {"advance": 10})  # every move is due, and the store is gone
        down = httpx.get(orders.url + "/order", params={"reference": reference})
        assert down.status_code == 503
        time.sleep(0.5)
        assert len(receiver.received) == 1
        restartable.start()  # no request follows: the scheduler must go on by itself
        assert wait_for(lambda: len(receiver.received) >= 4, PATIENCE)
        time.sleep(0.5)
        assert receiver.steps([reference]) == {reference: STEPS}
    said = [r.getMessage() for r in caplog.records if "wait for the state store" in r.getMessage()]
    assert len(said) == 1  # once for the outage, not once per look


def test_a_move_saved_by_a_process_that_died_before_queueing_is_notified_once(tmp_path):
    """The store as a process killed in the middle of a move leaves it: order X saved with
    its move and its notification still in the outbox; order Y the same, its notification
    queued already but the outbox not yet emptied. The next process queues X's, not Y's
    again, and the receiver gets each once."""
    state = f"sqlite:///{tmp_path / 'orders.db'}"
    with receiving() as receiver:
        with serve("order_server", seed=1, quiet=True, state=state) as orders:
            _clock((orders.url,), {"set": T0, "freeze": True})
            x, y = _create(orders.url, receiver, 2)
            assert wait_for(lambda: len(receiver.received) == 2, PATIENCE)
        asyncio.run(_die_in_the_middle(state, receiver.url, x, y))
        with serve("order_server", seed=1, quiet=True, state=state) as orders:
            _clock((orders.url,), {"set": T0, "freeze": True})
            httpx.get(orders.url + "/health")  # the service starts looking at its store
            assert wait_for(lambda: len(receiver.received) >= 4, PATIENCE)
            time.sleep(1)
            assert receiver.steps([x, y]) == {x: STEPS[:2], y: STEPS[:2]}
            for reference in (x, y):
                order = httpx.get(orders.url + "/order", params={"reference": reference})
                assert [h["status"] for h in order.json()["history"]] == STEPS[:2]


async def _die_in_the_middle(state: str, url: str, x: str, y: str) -> None:
    store = open_store(state)
    clock = VirtualClock(T0)
    queue = Scheduler(lambda: clock, store=store, namespace="order_server:/deliveries")
    try:
        for reference in (x, y):
            order = await store.get("order_server:/order", reference)
            step = move(order, "accepted", T0, Delays(1000, 1000, 1000))
            payload = {
                "reference": reference,
                "status": "accepted",
                "previous": "created",
                "seq": step["seq"],
                "at": step["at"],
            }
            note = {"id": f"{reference}.2.0", "url": url, "method": "POST", "payload": payload}
            order["_outbox"] = [note]
            await store.put("order_server:/due", reference, {"reference": reference, "due": T0})
            await store.put("order_server:/order", reference, order)
            if reference == y:  # queued already, the outbox not emptied yet
                await queue.add(reference, url, "POST", payload, order["trace_id"], note["id"])
    finally:
        await store.close()
