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
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
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
        scheduler = Scheduler(ctx.current_clock, secret, policy, seed, allowed_hosts=allowed,
                              persist=_keeper(ctx.store, ctx.namespace(DELIVERIES)))
        ctx.on_shutdown(scheduler.close)
        rt = Runtime(ctx.store, ctx.current_clock, scheduler, delays,
                     declared_callbacks(ctx.spec, "/order", "post"), ctx.spec,
                     random.Random(seed))
        _RUNTIMES[id(ctx.store)] = rt
    rt.scheduler.ensure_running()
    return rt


async def runtime(ctx: Context) -> Runtime:
    """The runtime, with what a previous run left in the store taken back on first use:
    pending notifications and dead letters, and the clock-driven moves of unfinished orders."""
    rt = runtime_for(ctx)
    if rt.restored:
        return rt
    async with rt.lock:
        if not rt.restored:
            rt.restored = True
            rt.scheduler.restore(await rt.store.items(ctx.namespace(DELIVERIES)))
            orders = ctx.namespace(NAMESPACE)
            for order in await rt.store.items(orders):
                watch(rt, orders, order)
    return rt


def _keeper(store: Any, ns: str) -> Any:
    async def keep(delivery: dict[str, Any], state: str) -> None:
        if state == "done":
            await store.delete(ns, delivery["id"])
        else:
            await store.put(ns, delivery["id"], {**delivery, "state": state})

    return keep


async def new_reference(rt: Runtime, ns: str) -> str:
    """A seeded UUID, unique per store even across restarts (it mixes in the store counter)."""
    n = await rt.store.next_id(ns)
    return str(uuid.UUID(int=random.Random(f"{rt.scheduler.seed}:{n}").getrandbits(128),
                         version=4))


def new_trace_id(rt: Runtime) -> str:
    return f"{rt.rng.getrandbits(128) or 1:032x}"


async def load(rt: Runtime, ns: str, reference: str) -> dict[str, Any] | None:
    """The order with every automatic move due by now applied, saved and notified."""
    async with rt.lock:
        order = await rt.store.get(ns, reference)
        if order is None:
            return None
        steps = advance(order, rt.clock.now(), rt.delays)
        if steps:
            await rt.store.put(ns, reference, order)
            for step in steps:
                notify(rt, order, step)
        return order


def watch(rt: Runtime, ns: str, order: dict[str, Any]) -> None:
    """Arrange for the order's next automatic move to happen when it is due."""
    due = order.get("_due")
    if due is None:
        return
    reference = order["reference"]

    async def fire() -> None:
        moved = await load(rt, ns, reference)
        if moved is not None:
            watch(rt, ns, moved)

    rt.scheduler.call_at(due, fire)


def notify(rt: Runtime, order: dict[str, Any], step: dict[str, Any]) -> None:
    """Queue one status notification per declared callback, shaped and checked by the spec."""
    history = order["history"]
    previous = history[step["seq"] - 2]["status"] if step["seq"] > 1 else None
    payload = {"reference": order["reference"], "status": step["status"], "previous": previous,
               "seq": step["seq"], "at": step["at"]}
    for callback in rt.callbacks:
        errors = payload_errors(rt.spec, callback, payload)
        if errors:  # a bug here, not the client's: say so loudly rather than send it
            log.error("notification breaks callback %s: %s", callback.name, "; ".join(errors))
            continue
        url = expand(callback.expression, order["_request"])
        rt.scheduler.enqueue(order["reference"], url, callback.method, payload,
                             order.get("trace_id", ""))
    log.info("order %s %s -> %s seq=%d trace=%s", order["reference"], previous, step["status"],
             step["seq"], order.get("trace_id", ""))


__all__ = [
    "NAMESPACE",
    "Runtime",
    "load",
    "new_reference",
    "notify",
    "public",
    "runtime",
    "runtime_for",
]
