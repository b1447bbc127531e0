"""Per-app runtime of the order service: its scheduler, its settings, its clock.

Handlers are plain module functions shared by every app in the process, so what belongs
to one app (its scheduler, its lock) is kept here keyed by that app's store. Settings come
from `specmock serve --option name=value` (name in lower case, without the prefix) or the
environment, read once per app:

    SPECMOCK_ORDER_DELAYS       seconds per automatic step, "1,1,1" (created→accepted→
                                processing→completed)
    SPECMOCK_CALLBACK_SECRET    HMAC secret shared with the callback service
    SPECMOCK_CALLBACK_ATTEMPTS  attempts before a dead letter (5)
    SPECMOCK_CALLBACK_BACKOFF   first retry delay in seconds (1); doubles each time
    SPECMOCK_CALLBACK_JITTER    extra fraction of each delay, seeded (0.1)
    SPECMOCK_CALLBACK_TIMEOUT   real seconds one attempt may take (2)
    SPECMOCK_CALLBACK_HOSTS     hosts callbacks may go to, comma-separated, "*" for any
                                (default: loopback only)

Several processes may share one store (Redis, MySQL, SQLite) and each runs its own
scheduler; the store keeps them to one answer. Every change of an order happens under a
claim on its reference (`Store.claim`, ORDER_LEASE real seconds), so one process at a time
reads, moves, saves and notifies it; the orders waiting for an automatic move are listed
in the `/due` namespace, which every scheduler looks at, so a move is made by whichever
process looks first (the others then find nothing due), also when the process that created
the order is gone. A move is saved in one write together with its notifications (the
order's outbox), which are then queued in the store under names (the order, the step, the
callback) and delivered once (see `specmock.callbacks.Scheduler`); a process that dies
between the two leaves the outbox to the next one holding the order, and the scheduler
holds the order before it delivers, so nothing is sent before it is queued for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from specmock import Clock, Context
from specmock.callbacks import (
    DEFAULT_SECRET,
    LOOPBACK,
    DeclaredCallback,
    RetryPolicy,
    Scheduler,
    declared_callbacks,
    expand,
    payload_errors,
)

from .machine import Delays, advance, public

log = logging.getLogger("specmock.order_server")
NAMESPACE = "/order"
DELIVERIES = "/deliveries"  # pending notifications and dead letters, kept across restarts
DUE = "/due"  # the orders waiting for an automatic move, and when
LEASES = "/leases"  # claims on orders being changed
ORDER_LEASE = 30.0  # real seconds a process may hold an order before another steps in


@dataclass
class Runtime:
    """What one app's order service keeps between requests."""

    store: Any
    current_clock: Callable[[], Clock]  # the app's clock at each look, not a request's
    scheduler: Scheduler
    delays: Delays
    callbacks: list[DeclaredCallback]
    spec: dict[str, Any]
    rng: random.Random
    orders: str = ""  # the store namespaces: orders, their due moves, claims on them
    due: str = ""
    leases: str = ""
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    restored: bool = False

    @property
    def clock(self) -> Clock:
        return self.current_clock()


_RUNTIMES: dict[int, Runtime] = {}


def settings(ctx: Context) -> tuple[Delays, RetryPolicy, str, tuple[str, ...]]:
    """From `--option name=value` or the SPECMOCK_<NAME> environment variables."""
    opt = ctx.option
    delays = Delays.parse(opt("order_delays") or "1,1,1")
    policy = RetryPolicy(
        attempts=int(opt("callback_attempts") or 5),
        base=float(opt("callback_backoff") or 1),
        jitter=float(opt("callback_jitter") or 0.1),
        timeout=float(opt("callback_timeout") or 2),
    )
    hosts = opt("callback_hosts")
    allowed = tuple(h.strip() for h in hosts.split(",") if h.strip()) if hosts else LOOPBACK
    return delays, policy, opt("callback_secret") or DEFAULT_SECRET, allowed


def runtime_for(ctx: Context) -> Runtime:
    """This app's runtime (made on first use); its scheduler stops with the server.

    The admin API may swap the app's clock (real → virtual): handlers see the request's
    clock, the scheduler reads the app's current one whenever it looks.
    """
    rt = _RUNTIMES.get(id(ctx.store))
    if rt is None or rt.store is not ctx.store:
        delays, policy, secret, allowed = settings(ctx)
        seed = ctx.rng.getrandbits(32)
        scheduler = Scheduler(
            ctx.current_clock,
            secret,
            policy,
            seed,
            allowed_hosts=allowed,
            store=ctx.store,
            namespace=ctx.namespace(DELIVERIES),
            prepare=lambda reference: load(rt, reference),
        )
        ctx.on_shutdown(scheduler.close)
        rt = Runtime(
            ctx.store,
            ctx.current_clock,
            scheduler,
            delays,
            declared_callbacks(ctx.spec, "/order", "post"),
            ctx.spec,
            random.Random(seed),
            ctx.namespace(NAMESPACE),
            ctx.namespace(DUE),
            ctx.namespace(LEASES),
        )
        scheduler.on_poll(lambda: fire_due(rt))
        _RUNTIMES[id(ctx.store)] = rt
    rt.scheduler.ensure_running()
    return rt


async def runtime(ctx: Context) -> Runtime:
    """The runtime; on first use, unfinished orders a store from before `/due` kept are
    listed there (pending notifications and dead letters are in the store already)."""
    rt = runtime_for(ctx)
    if rt.restored:
        return rt
    async with rt.lock:
        if not rt.restored:
            rt.restored = True
            listed = {d["reference"] for d in await rt.store.items(rt.due)}
            for order in await rt.store.items(rt.orders):
                look = _next_look(rt, order)
                if look is not None and order["reference"] not in listed:
                    await _list_due(rt, order["reference"], look)
    return rt


@contextlib.asynccontextmanager
async def holding(rt: Runtime, reference: str) -> AsyncIterator[None]:
    """The order is this process's to read, change and notify until the block ends: one
    coroutine here (the lock), one process of those sharing the store (the claim)."""
    async with rt.lock:
        deadline = time.monotonic() + 2 * ORDER_LEASE
        while True:
            wall = time.time()
            if await rt.store.claim(rt.leases, reference, rt.holder, wall, wall + ORDER_LEASE):
                break
            if time.monotonic() > deadline:  # cannot happen: the claim runs out before
                raise TimeoutError(f"order {reference} stayed claimed by another process")
            await asyncio.sleep(0.01)
        try:
            yield
        finally:
            await rt.store.release(rt.leases, reference, rt.holder)


async def save(rt: Runtime, order: dict[str, Any]) -> None:
    """Keep the order, with its moves and the notifications still to queue (`_outbox`) in
    one write. Its entry in `/due` goes first: a stale entry costs one look, a missing one
    would leave a move or a notification to nobody."""
    reference, look = order["reference"], _next_look(rt, order)
    if look is not None:
        await _list_due(rt, reference, look)
    await rt.store.put(rt.orders, reference, order)
    if look is None:
        await rt.store.delete(rt.due, reference)


def _next_look(rt: Runtime, order: dict[str, Any]) -> float | None:
    """When the order needs a look: now while notifications wait to be queued, else at
    its next automatic move (None: never again)."""
    return rt.clock.now() if order.get("_outbox") else order.get("_due")


async def _list_due(rt: Runtime, reference: str, due: float) -> None:
    await rt.store.put(rt.due, reference, {"reference": reference, "due": due})


async def commit(rt: Runtime, order: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """Save the order's new steps together with their notifications (its outbox), then
    queue those and empty the outbox: a process that dies halfway leaves the rest to the
    next one holding the order (`flush` in `load`), and nothing is queued twice."""
    for step in steps:
        order.setdefault("_outbox", []).extend(notifications(rt, order, step))
    await save(rt, order)
    await flush(rt, order)


async def flush(rt: Runtime, order: dict[str, Any]) -> None:
    """Queue what the outbox holds (under names, so again is harmless), then empty it."""
    outbox = order.get("_outbox")
    if not outbox:
        return
    for note in outbox:
        await rt.scheduler.add(
            order["reference"],
            note["url"],
            note["method"],
            note["payload"],
            order.get("trace_id", ""),
            note["id"],
        )
    order["_outbox"] = []
    await save(rt, order)


async def fire_due(rt: Runtime) -> None:
    """Look at every order due by now, whichever process created it: its automatic moves
    are made, what a dead process left half queued is queued, and its entry is set right."""
    now = rt.clock.now()
    for entry in await rt.store.items(rt.due):
        if float(entry.get("due") or 0) > now:
            continue
        reference = entry["reference"]
        order = await load(rt, reference)
        look = None if order is None else _next_look(rt, order)
        if look is None:
            await rt.store.delete(rt.due, reference)
        elif look != entry.get("due"):
            await _list_due(rt, reference, look)


async def new_reference(rt: Runtime, ns: str) -> str:
    """A seeded UUID, unique per store even across restarts (it mixes in the store counter)."""
    n = await rt.store.next_id(ns)
    return str(uuid.UUID(int=random.Random(f"{rt.scheduler.seed}:{n}").getrandbits(128), version=4))


def new_trace_id(rt: Runtime) -> str:
    return f"{rt.rng.getrandbits(128) or 1:032x}"


async def load(rt: Runtime, reference: str) -> dict[str, Any] | None:
    """The order with every automatic move due by now applied, saved and notified (and
    anything a process that died left in its outbox queued)."""
    async with holding(rt, reference):
        order = await rt.store.get(rt.orders, reference)
        if order is None:
            return None
        await flush(rt, order)
        steps = advance(order, rt.clock.now(), rt.delays)
        if steps:
            await commit(rt, order, steps)
        return order


def notifications(rt: Runtime, order: dict[str, Any], step: dict[str, Any]) -> list[dict]:
    """One status notification per declared callback, shaped and checked by the spec, each
    named after the order, the step and the callback."""
    history = order["history"]
    previous = history[step["seq"] - 2]["status"] if step["seq"] > 1 else None
    payload = {
        "reference": order["reference"],
        "status": step["status"],
        "previous": previous,
        "seq": step["seq"],
        "at": step["at"],
    }
    found = []
    for n, callback in enumerate(rt.callbacks):
        errors = payload_errors(rt.spec, callback, payload)
        if errors:  # a bug here, not the client's: say so loudly rather than send it
            log.error("notification breaks callback %s: %s", callback.name, "; ".join(errors))
            continue
        url = expand(callback.expression, order["_request"])
        delivery_id = f"{order['reference']}.{step['seq']}.{n}"
        found.append({"id": delivery_id, "url": url, "method": callback.method, "payload": payload})
    log.info(
        "order %s %s -> %s seq=%d trace=%s",
        order["reference"],
        previous,
        step["status"],
        step["seq"],
        order.get("trace_id", ""),
    )
    return found


__all__ = [
    "NAMESPACE",
    "Runtime",
    "commit",
    "holding",
    "load",
    "new_reference",
    "notifications",
    "public",
    "runtime",
    "runtime_for",
    "save",
]
