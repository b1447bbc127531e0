"""Asynchronous callbacks: declared in the spec, signed, retried on the clock, dead-lettered.

`Scheduler` delivers the payloads an override makes (the `callbacks` its spec declares are
read by `callbackspec`, attempts are signed by `signing` and sent by `courier`):

- one queue per key (an order reference): only its head is in flight, so deliveries of one
  resource arrive in the order they were made, while different resources go in parallel;
- a failed attempt is retried after an exponential backoff with seeded jitter, timed on
  the app's clock (so a virtual clock drives retries without sleeping); after the last
  attempt the delivery goes to the dead-letter list, from which `redrive` queues it again.

With a `store` (the state store several processes share), the store is the queue
(`deliveries.SharedDeliveries`): every process's scheduler polls it and takes a claim on a
key before delivering, so each notification goes once, in order, even when a process dies.
This module keeps the names `specmock.callbacks` has always offered, so callers import from
one place whichever module a concept lives in.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from typing import Any

from .callbackspec import DeclaredCallback, declared_callbacks, expand, payload_errors
from .clock import Clock
from .courier import LOOPBACK, Courier, Sender
from .deliveries import SharedDeliveries
from .delivery import (
    Delivery,
    RetryPolicy,
    attempt_entry,
    delivery_from,
    id_number,
    letter,
    log_dead,
)
from .signing import (
    DEFAULT_SECRET,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    canonical,
    sign,
    trace_id_of,
    verify,
)

__all__ = [
    "DEFAULT_SECRET",
    "LOOPBACK",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeclaredCallback",
    "Delivery",
    "Persist",
    "RetryPolicy",
    "Scheduler",
    "Sender",
    "canonical",
    "declared_callbacks",
    "expand",
    "payload_errors",
    "sign",
    "trace_id_of",
    "verify",
]

log = logging.getLogger("specmock.callbacks")

# Keeps a delivery's state ("pending", "dead" or "done") where it survives a restart.
Persist = Callable[[dict[str, Any], str], Awaitable[None]]


class Scheduler:
    """Timers and deliveries on the app's clock, served by one background task.

    Without a `store`, the queues are in this process (`persist` may keep a copy);
    with one, the store is the queue shared by every process using it: add with `add`,
    and read with `letters`, `requeue` and `history`, which work in both modes.
    """

    def __init__(
        self,
        clock: Callable[[], Clock],
        secret: str = DEFAULT_SECRET,
        policy: RetryPolicy | None = None,
        seed: int = 0,
        tick: float = 0.02,
        send: Sender | None = None,
        allowed_hosts: tuple[str, ...] = LOOPBACK,
        persist: Persist | None = None,
        store: Any = None,
        namespace: str = "deliveries",
        poll: float = 0.1,
        lease: float | None = None,
        prepare: Callable[[str], Awaitable[None]] | None = None,
    ):
        self._clock = clock
        self.courier = Courier(secret, policy or RetryPolicy(), seed, allowed_hosts, send)
        self.store = store  # shared mode: deliveries live in the store, claimed per key
        self.namespace = namespace
        self._pollers: list[Callable[[], Awaitable[None]]] = []
        self.shared: SharedDeliveries | None = None
        if store is not None:
            self.shared = SharedDeliveries(
                store,
                namespace,
                self.courier,
                self.now,
                self._spawn,
                self._wake_up,
                self._pollers,
                poll,
                lease,
                prepare,
            )
        self._persist = persist
        self._writes: deque[tuple[dict[str, Any], str]] = deque()
        self.tick = tick
        self._timers: list[tuple[float, int, Callable[[], Awaitable[None]]]] = []
        self._order = itertools.count()
        self._queues: dict[str, deque[Delivery]] = {}
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None  # set by enqueue: no tick's wait for new work
        self.dead: dict[str, Delivery] = {}
        self.attempts: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @property
    def secret(self) -> str:
        return self.courier.secret

    @property
    def policy(self) -> RetryPolicy:
        return self.courier.policy

    @property
    def seed(self) -> int:
        return self.courier.seed

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        return self.courier.allowed_hosts

    def now(self) -> float:
        return self._clock().now()

    def ensure_running(self) -> None:
        """Start the background task in the running loop (once)."""
        if self._runner is None or self._runner.done():
            self._wake = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run())

    def call_at(self, when: float, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once the clock reaches `when`."""
        heapq.heappush(self._timers, (when, next(self._order), action))

    def enqueue(
        self, key: str, url: str, method: str, payload: dict[str, Any], trace_id: str
    ) -> Delivery:
        """Queue a notification behind the ones already queued for the same key."""
        delivery = Delivery(
            f"d{next(self._ids)}", key, url, method, payload, trace_id, due=self.now()
        )
        self._queues.setdefault(key, deque()).append(delivery)
        self._note(delivery, "pending")
        self._wake_up()
        return delivery

    def on_poll(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` at every look at the store (shared mode): work every process must
        check for, such as timers another process set and cannot fire any more."""
        self._pollers.append(action)

    async def add(
        self,
        key: str,
        url: str,
        method: str,
        payload: dict[str, Any],
        trace_id: str,
        delivery_id: str | None = None,
    ) -> Delivery:
        """As `enqueue`; with a store, the delivery is in the store when this returns. With a
        `delivery_id` adding is idempotent: one already kept under that id stays as it is
        (a caller that may add the same notification again, after a crash, names it)."""
        if self.shared is None:
            return self.enqueue(key, url, method, payload, trace_id)
        return await self.shared.add(key, url, method, payload, trace_id, delivery_id)

    async def letters(self) -> list[dict[str, Any]]:
        """The dead letters, oldest first (every process's, with a store)."""
        if self.shared is None:
            return self.dead_letters()
        return await self.shared.letters()

    async def requeue(self, dead_id: str) -> Delivery | None:
        """As `redrive`; with a store, behind whatever the key has queued by then."""
        if self.shared is None:
            return self.redrive(dead_id)
        return await self.shared.requeue(dead_id)

    async def history(self) -> list[dict[str, Any]]:
        """Every attempt, oldest first (every process's, with a store)."""
        if self.shared is None:
            return list(self.attempts)
        return await self.shared.history()

    def restore(self, saved: list[dict[str, Any]]) -> None:
        """Take back what `persist` kept before a restart: pending in order, dead letters."""
        ordered = sorted(saved, key=lambda d: id_number(d.get("id", "")))
        for item in ordered:
            delivery = delivery_from(item)
            if item.get("state") == "dead":
                self.dead[delivery.id] = delivery
            else:
                self._queues.setdefault(delivery.key, deque()).append(delivery)
        if ordered:
            self._ids = itertools.count(id_number(ordered[-1]["id"]) + 1)

    def _note(self, delivery: Delivery, state: str) -> None:
        if self._persist is not None:
            self._writes.append((asdict(delivery), state))

    async def flush(self) -> None:
        """Write the state changes noted so far, in the order they happened."""
        while self._writes and self._persist is not None:
            snapshot, state = self._writes.popleft()
            try:
                await self._persist(snapshot, state)
            except Exception:
                log.exception("could not keep delivery %s as %s", snapshot["id"], state)

    def redrive(self, dead_id: str) -> Delivery | None:
        """Queue a dead letter again with a fresh attempt budget."""
        delivery = self.dead.pop(dead_id, None)
        if delivery is None:
            return None
        delivery.attempt, delivery.due = 0, self.now()
        self._queues.setdefault(delivery.key, deque()).append(delivery)
        self._note(delivery, "pending")
        return delivery

    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def step(self) -> None:
        """Keep state changes, fire due timers, then start the due head of every idle queue
        (with a store: of every key in the store no process is delivering)."""
        await self.flush()
        now = self.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, action = heapq.heappop(self._timers)
            try:
                await action()
            except Exception:
                log.exception("a scheduled action failed")
        if self.shared is not None:
            await self.shared.look()
            return
        for key, queue in list(self._queues.items()):
            if not queue:
                del self._queues[key]
                continue
            if key in self._busy or queue[0].due > now:
                continue
            self._busy.add(key)
            self._spawn(self._attempt(queue[0]))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a delivery as a task of its own, which `close` lets finish."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _wake_up(self) -> None:
        """End the loop's wait now: there is work that should not wait for the next tick."""
        if self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self.step()
            wake = self._wake
            if wake is None:
                await asyncio.sleep(self.tick)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.tick)
            wake.clear()

    async def _attempt(self, delivery: Delivery) -> None:
        started = self.now()
        ok, outcome = await self.courier.attempt(delivery, started)
        self.attempts.append(attempt_entry(delivery, started, outcome, self.now()))
        queue = self._queues.get(delivery.key)
        if ok or delivery.attempt >= self.policy.attempts:
            if queue and queue[0] is delivery:
                queue.popleft()
            if not ok:
                delivery.last_error = outcome
                self.dead[delivery.id] = delivery
                self._note(delivery, "dead")
                log_dead(delivery, outcome)
            else:
                self._note(delivery, "done")
        else:
            delivery.last_error = outcome
            delivery.due = self.now() + self.policy.backoff(
                self.seed, delivery.id, delivery.attempt
            )
            self._note(delivery, "pending")
        self._busy.discard(delivery.key)
        self._wake_up()  # the next in this key's queue may go at once

    def dead_letters(self) -> list[dict[str, Any]]:
        return [letter(d) for d in self.dead.values()]

    async def close(self) -> None:
        """Stop the background work and the HTTP client (the server is shutting down).
        Attempts in flight may finish, for up to one attempt's timeout, and write down how
        they went: one cut off could have reached its receiver and would be sent again."""
        await self.flush()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(BaseException):
                await self._runner
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.policy.timeout)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await self.flush()
        await self.courier.close()
