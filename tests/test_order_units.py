"""The order state machine and the callback engine's pieces, without a server."""

from __future__ import annotations

import asyncio
import json

import pytest

from specmock.generator.loader import read_file
from specmock.overrides.order_server.machine import (
    ALLOWED,
    Delays,
    IllegalTransition,
    advance,
    move,
    new_order,
    public,
)
from specmock.runtime.callbacks import (
    RetryPolicy,
    Scheduler,
    canonical,
    declared_callbacks,
    expand,
    payload_errors,
    sign,
    trace_id_of,
    verify,
)
from specmock.runtime.clock import VirtualClock
from specmock.runtime.state import MemoryStore

from .conftest import SPECS

T0 = 1_893_456_000.0
BODY = {"customer_id": "c1", "items": [{"sku": "a", "quantity": 1}],
        "callback_url": "http://127.0.0.1:9/callback"}


def _order(delays: Delays | None = None) -> dict:
    return new_order("r1", BODY, T0, delays or Delays(), "ab" * 16)


def test_the_automatic_path_completes_on_the_clock_at_each_due_time():
    order = _order()
    assert advance(order, T0 + 0.5, Delays()) == []
    steps = advance(order, T0 + 10, Delays())
    assert [s["status"] for s in steps] == ["accepted", "processing", "completed"]
    assert [s["at"] for s in steps] == ["2030-01-01T00:00:01Z", "2030-01-01T00:00:02Z",
                                        "2030-01-01T00:00:03Z"]
    assert order["status"] == "completed" and order["_due"] is None
    assert "_request" not in public(order) and "_due" not in public(order)


def test_configured_delays_move_the_steps():
    order = _order(Delays(5, 0, 10))
    assert advance(order, T0 + 4.9, Delays(5, 0, 10)) == []
    assert [s["status"] for s in advance(order, T0 + 5, Delays(5, 0, 10))] == [
        "accepted", "processing"]


@pytest.mark.parametrize("start, target", [
    ("created", "completed"), ("created", "processing"), ("processing", "cancelled"),
    ("completed", "failed"), ("cancelled", "accepted"), ("created", "created"),
])
def test_an_illegal_move_is_refused_and_changes_nothing(start, target):
    order = _order()
    order["status"] = start
    before = {**order, "history": list(order["history"])}
    with pytest.raises(IllegalTransition, match=f"cannot move to '{target}'"):
        move(order, target, T0, Delays())
    assert order == before


def test_every_legal_move_is_applied_with_the_next_seq():
    for start, targets in ALLOWED.items():
        for target in targets:
            order = _order()
            order["status"] = start
            step = move(order, target, T0 + 1, Delays(), "asked")
            assert step == {"seq": 2, "status": target, "at": "2030-01-01T00:00:01Z",
                            "reason": "asked"}


def test_delays_parse_and_refuse_nonsense():
    assert Delays.parse("0.5,1,2") == Delays(0.5, 1, 2)
    for bad in ("1,1", "1,-1,1", "a,b,c"):
        with pytest.raises(ValueError):
            Delays.parse(bad)


def test_backoff_is_exponential_with_bounded_seeded_jitter():
    policy = RetryPolicy(base=1, factor=2, jitter=0.1)
    delays = [policy.backoff(7, "d1", n) for n in (1, 2, 3, 4)]
    assert delays == [policy.backoff(7, "d1", n) for n in (1, 2, 3, 4)]  # reproducible
    for n, delay in enumerate(delays, start=1):
        assert 2 ** (n - 1) <= delay <= 2 ** (n - 1) * 1.1
    assert policy.backoff(8, "d1", 1) != delays[0]  # another seed, another jitter
    assert RetryPolicy(base=100, max_delay=150, jitter=0).backoff(0, "d", 5) == 150


def test_signatures_verify_and_refuse_tampering_missing_and_stale():
    body = canonical({"b": 1, "a": "é"})
    assert body == '{"a":"é","b":1}'.encode()
    good = sign("s", "100.000", body)
    assert verify("s", good, "100.000", body, 100.0) is None
    assert "does not match" in verify("s", good, "100.000", body + b" ", 100.0)
    assert "does not match" in verify("other", good, "100.000", body, 100.0)
    assert "missing" in verify("s", None, "100.000", body, 100.0)
    assert "from now" in verify("s", good, "100.000", body, 1000.0, tolerance=300)
    assert "not a number" in verify("s", good, "soon", body, 100.0)


def test_traceparent_gives_its_trace_id_only_when_valid():
    trace = "0af7651916cd43dd8448eb211c80319c"
    assert trace_id_of(f"00-{trace}-b7ad6b7169203331-01") == trace
    for bad in (None, "", "00-xyz-b7ad6b7169203331-01", f"00-{'0' * 32}-b7ad6b7169203331-01"):
        assert trace_id_of(bad) is None


def test_runtime_expressions_expand_from_the_request():
    request = {"body": {"callback_url": "http://h/cb", "a/b": {"c": [1, 2]}},
               "query": {"q": ["x"]}, "headers": {"X-Id": "7"}, "path": {"id": "9"},
               "url": "http://h/order", "method": "POST"}
    assert expand("{$request.body#/callback_url}", request) == "http://h/cb"
    assert expand("{$request.body#/a~1b/c/1}/x", request) == "2/x"
    assert expand("{$request.query.q}-{$request.header.x-id}-{$request.path.id}",
                  request) == "x-7-9"
    assert expand("{$method} {$url}", request) == "POST http://h/order"
    with pytest.raises(ValueError, match="has no value"):
        expand("{$request.body#/missing}", request)


def test_the_order_contract_declares_its_notification():
    root = read_file(SPECS / "order_server.yaml")
    (callback,) = declared_callbacks(root, "/order", "post")
    assert (callback.name, callback.expression, callback.method) == (
        "orderStatus", "{$request.body#/callback_url}", "POST")
    good = {"reference": "6f1c5a4e-1b2f-4c3a-9d8e-7f6a5b4c3d2e", "status": "accepted",
            "previous": "created", "seq": 2, "at": "2030-01-01T00:00:01Z"}
    assert payload_errors(root, callback, good) == []
    errors = payload_errors(root, callback, {**good, "status": "lost", "seq": 0})
    assert any("status" in e for e in errors) and any("seq" in e for e in errors)
    assert declared_callbacks(root, "/order", "get") == []


def _run_scheduler(outcomes: list[int], url: str = "http://127.0.0.1:9/cb",
                   advance: list[float] | None = None) -> tuple[Scheduler, list[tuple]]:
    """Drive a Scheduler by hand on a virtual clock with a fake sender."""
    clock = VirtualClock(T0)
    sent: list[tuple] = []
    replies = iter(outcomes)

    async def send(method, to, body, headers, timeout):
        sent.append((to, json.loads(body), dict(headers), clock.now()))
        return next(replies)

    scheduler = Scheduler(lambda: clock, "s", RetryPolicy(attempts=3, jitter=0.1), seed=3,
                          send=send)

    async def main() -> None:
        scheduler.enqueue("r1", url, "POST", {"seq": 1, "status": "created"}, "ab" * 16)
        scheduler.enqueue("r1", url, "POST", {"seq": 2, "status": "accepted"}, "ab" * 16)
        for seconds in advance or [0] * 6:
            clock.advance(seconds)
            await scheduler.step()
            await asyncio.gather(*scheduler._tasks)
        await scheduler.close()

    asyncio.run(main())
    return scheduler, sent


def test_deliveries_of_one_key_go_in_order_and_retry_on_the_clock():
    scheduler, sent = _run_scheduler([503, 200, 200], advance=[0, 0, 1.2, 0, 0])
    assert [(p["seq"], round(at - T0, 3)) for _, p, _, at in sent] == [(1, 0), (1, 1.2), (2, 1.2)]
    first = scheduler.attempts[1]
    assert first["due"] - T0 == pytest.approx(RetryPolicy(attempts=3).backoff(3, "d1", 1))
    headers = sent[0][2]
    stamps = [h["X-Signature-Timestamp"] for _, _, h, _ in sent]
    assert [int(ts) for ts in stamps] == [int(at) for _, _, _, at in sent]  # whole seconds
    assert all(ts.isdigit() for ts in stamps)
    assert verify("s", headers["X-Signature"], headers["X-Signature-Timestamp"],
                  canonical(sent[0][1]), T0) is None
    assert headers["traceparent"].startswith("00-" + "ab" * 16 + "-")


def test_the_last_failed_attempt_is_a_dead_letter_that_can_be_redriven():
    scheduler, _ = _run_scheduler([500] * 3 + [200] * 3, advance=[0, 1.2, 2.3, 0, 0])
    assert [d["seq"] for d in scheduler.dead_letters()] == [1]
    assert scheduler.dead_letters()[0]["attempts"] == 3
    assert scheduler.redrive("d1") is not None and scheduler.dead == {}
    assert scheduler.redrive("d1") is None


def test_a_callback_to_a_foreign_host_is_dead_lettered_without_a_request():
    scheduler, sent = _run_scheduler([], url="http://example.com/cb", advance=[0, 0])
    assert sent == []
    assert [d["seq"] for d in scheduler.dead_letters()] == [1, 2]
    assert "not an allowed callback host" in scheduler.dead_letters()[0]["last_error"]


def test_closing_lets_an_attempt_in_flight_finish_and_write_its_outcome():
    """A shutdown mid-attempt: the attempt ends and the store says it was delivered, so the
    next process to look does not send it again."""
    clock = VirtualClock(T0)
    store = MemoryStore()
    sent: list[dict] = []

    async def slow(method, to, body, headers, timeout):
        await asyncio.sleep(0.3)  # the receiver takes its time
        sent.append(json.loads(body))
        return 200

    scheduler = Scheduler(lambda: clock, "s", RetryPolicy(timeout=2), seed=3, send=slow,
                          store=store, namespace="svc:/deliveries")

    async def main() -> list[dict]:
        await scheduler.add("r1", "http://127.0.0.1:9/cb", "POST", {"seq": 1}, "ab" * 16)
        await scheduler.step()
        await asyncio.sleep(0.05)  # the attempt is under way
        assert scheduler._tasks and not sent
        await scheduler.close()
        return await store.items("svc:/deliveries")

    assert asyncio.run(main()) == []  # delivered, and written down as such
    assert sent == [{"seq": 1}]
