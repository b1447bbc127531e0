"""Deliveries kept in a state store several processes share: the store is the queue.

Every delivery is kept in the store from the moment it is added; each process looks at the
store every `poll` real seconds and, before an attempt, takes a claim on the delivery's key
(`Store.claim`, held for `lease` real seconds). So only one process delivers a given
notification, one key at a time, in order; if that process dies, another takes the key
over once the lease has run out. The attempt history and the dead letters are read from
the store too, so every process shows the same.

Leases and polling are in real time on purpose: they guard against processes dying, which
a virtual clock knows nothing of. When a look fails (the store is down) that is said once
and looking goes on, so deliveries resume by themselves when the store is back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from typing import Any

from .courier import Courier
from .delivery import Delivery, attempt_entry, delivery_from, id_number, letter, log_dead

log = logging.getLogger("specmock.callbacks")

Action = Callable[[], Awaitable[None]]


class SharedDeliveries:
    """The store-backed queue of one scheduler: `add`, `letters`, `requeue` and `history`
    read and write the store; `look` starts what is due, and is called at every step."""

    def __init__(
        self,
        store: Any,
        namespace: str,
        courier: Courier,
        now: Callable[[], float],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        wake: Callable[[], None],
        pollers: list[Action],
        poll: float = 0.1,
        lease: float | None = None,
        prepare: Callable[[str], Awaitable[None]] | None = None,
    ):
        self.store = store
        self.namespace = namespace
        self.courier = courier
        self._now = now
        self._spawn = spawn  # runs a delivery as a task the scheduler waits for on close
        self._wake = wake  # ends the scheduler's wait for its next step
        self._pollers = pollers
        self.poll = poll  # real seconds between two looks at the store
        self.lease = lease or 10.0 + 2 * courier.policy.timeout
        self.holder = uuid.uuid4().hex  # this scheduler, as a claim holder
        # Run under a key's claim before its delivery: the owner of the key finishes
        # queueing what a process that died may have left half queued.
        self._prepare = prepare
        self._polled = 0.0
        self._kick = True  # look at the store at the next step, without waiting for `poll`
        self._busy: set[str] = set()  # keys this process is delivering
        self._unreachable: str | None = None  # why the last look at the store failed

    async def add(
        self,
        key: str,
        url: str,
        method: str,
        payload: dict[str, Any],
        trace_id: str,
        delivery_id: str | None = None,
    ) -> Delivery:
        """Keep a new pending delivery in the store; with a `delivery_id` one already kept
        under that id stays as it is, and is returned."""
        if delivery_id is not None:
            found = await self.store.get(self.namespace, delivery_id)
            if found is not None:
                return delivery_from(found)
        rank = await self.store.next_id(self.namespace)
        delivery = Delivery(
            delivery_id or f"d{rank}", key, url, method, payload, trace_id, due=self._now()
        )
        await self.store.put(self.namespace, delivery.id, _kept(delivery, "pending", rank))
        self.woken()
        return delivery

    async def letters(self) -> list[dict[str, Any]]:
        return [
            letter(delivery_from(item))
            for item in await self._stored()
            if item.get("state") == "dead"
        ]

    async def requeue(self, dead_id: str) -> Delivery | None:
        item = await self.store.get(self.namespace, dead_id)
        if item is None or item.get("state") != "dead":
            return None
        delivery = delivery_from(item)
        delivery.attempt, delivery.due = 0, self._now()
        rank = await self.store.next_id(self.namespace)
        await self.store.put(self.namespace, dead_id, _kept(delivery, "pending", rank))
        self.woken()
        return delivery

    async def history(self) -> list[dict[str, Any]]:
        return await self.store.items(self.namespace + "/attempts")

    def woken(self) -> None:
        """Look at the store at the next step, and make that step come now."""
        self._kick = True
        self._wake()

    async def look(self) -> None:
        """Look at the store when asked to or after `poll`; a store that is down is said once
        (and its return once), never raised: the scheduler's loop must keep going."""
        if not (self._kick or time.monotonic() - self._polled >= self.poll):
            return
        try:
            await self._poll_store()
        except Exception as exc:  # the store is down: say so once, keep looking
            if self._unreachable is None:
                log.warning("deliveries wait for the state store: %s", exc)
            self._unreachable = str(exc)
        else:
            if self._unreachable is not None:
                log.info("the state store is back; deliveries go on")
            self._unreachable = None

    async def _stored(self) -> list[dict[str, Any]]:
        items = await self.store.items(self.namespace)
        return sorted(items, key=lambda d: d.get("rank") or id_number(d.get("id", "")))

    async def _poll_store(self) -> None:
        """Start the due head of every key no one here is delivering, then run the pollers.
        The head is the pending delivery of lowest rank; a key is delivered one at a time."""
        self._kick, self._polled = False, time.monotonic()
        heads: dict[str, dict[str, Any]] = {}
        for item in await self._stored():
            if item.get("state") == "pending":
                heads.setdefault(item["key"], item)
        now = self._now()
        for key, item in heads.items():
            if key in self._busy or float(item.get("due", 0)) > now:
                continue
            self._busy.add(key)
            self._spawn(self._deliver_shared(item))
        for action in list(self._pollers):
            await action()

    async def _deliver_shared(self, seen: dict[str, Any]) -> None:
        """One attempt at a stored delivery, under the claim on its key. Only an attempt
        wakes the loop at once (the key's next delivery may go): a key another process
        holds is looked at again after `poll`, not in a tight loop."""
        key, leases = seen["key"], self.namespace + "/leases"
        attempted = False
        try:
            wall = time.time()
            if not await self.store.claim(leases, key, self.holder, wall, wall + self.lease):
                return  # another process is delivering this key
            try:
                if self._prepare is not None:
                    await self._prepare(key)
                item = await self.store.get(self.namespace, seen["id"])
                fresh = item is not None and item.get("state") == "pending"
                if fresh and item.get("attempt") == seen.get("attempt"):
                    attempted = True
                    await self._attempt_stored(item)
                # else delivered (or tried) by another process since the look
            finally:
                await self.store.release(leases, key, self.holder)
        except Exception:
            log.exception("delivery of key %s failed in the store", key)
        finally:
            self._busy.discard(key)
            if attempted:
                self.woken()

    async def _attempt_stored(self, item: dict[str, Any]) -> None:
        """Attempt, then write the outcome back: gone when delivered, else a retry when
        due or a dead letter."""
        delivery, started = delivery_from(item), self._now()
        ok, outcome = await self.courier.attempt(delivery, started)
        await self._keep_attempt(delivery, started, outcome)
        if ok:
            await self.store.delete(self.namespace, delivery.id)
            return
        delivery.last_error = outcome
        policy = self.courier.policy
        state = "dead" if delivery.attempt >= policy.attempts else "pending"
        if state == "dead":
            log_dead(delivery, outcome)
        else:
            delivery.due = self._now() + policy.backoff(
                self.courier.seed, delivery.id, delivery.attempt
            )
        await self.store.put(self.namespace, delivery.id, _kept(delivery, state, item.get("rank")))

    async def _keep_attempt(self, delivery: Delivery, started: float, outcome: str) -> None:
        entry = attempt_entry(delivery, started, outcome, self._now())
        ns = self.namespace + "/attempts"
        await self.store.put(ns, f"a{await self.store.next_id(ns)}", entry)


def _kept(delivery: Delivery, state: str, rank: int | None) -> dict[str, Any]:
    """A delivery as the store keeps it: its fields, its state and its place in line."""
    return {**asdict(delivery), "state": state, "rank": rank or id_number(delivery.id)}
