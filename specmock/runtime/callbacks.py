"""Asynchronous callbacks: declared in the spec, signed, retried on the clock, dead-lettered.

An operation's OpenAPI `callbacks` object says where a notification goes (a runtime
expression such as `{$request.body#/callback_url}`), with which method and in which shape.
`declared_callbacks` reads it once, `expand` evaluates the expression against the request
that created the resource, and `Scheduler` delivers payloads:

- one queue per key (an order reference): only its head is in flight, so deliveries of one
  resource arrive in the order they were made, while different resources go in parallel;
- every attempt is signed (HMAC-SHA256 over `timestamp + "." + body`) and carries a W3C
  `traceparent` continuing the trace of the request that caused it;
- a failed attempt is retried after an exponential backoff with seeded jitter, timed on
  the app's clock (so a virtual clock drives retries without sleeping); after the last
  attempt the delivery goes to the dead-letter list, from which `redrive` queues it again.

With a `store` (the state store several processes share), the store is the queue: every
delivery is kept there from the moment it is added, each process's scheduler polls it, and
before an attempt takes a claim on the delivery's key (`Store.claim`, held for `lease` real
seconds), so only one process delivers a given notification, one key at a time, in order;
if that process dies, another takes the key over once the lease has run out. The attempt
history and the dead letters are read from the store too, so every process shows the same.

Only the per-attempt network timeout is real time: a socket cannot wait on a virtual clock.
A mock must not spray requests at whatever host a client (or a fuzzer) names, so only
loopback hosts are called unless `allowed_hosts` says otherwise ("*" allows every host);
a delivery to another host goes straight to the dead letters, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from .clock import Clock

log = logging.getLogger("specmock.callbacks")

DEFAULT_SECRET = "specmock-callback-secret"
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
_EXPRESSION = re.compile(r"\{(\$[^{}]+)\}")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


# --- the contract side -----------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredCallback:
    """One callback of an operation: its name, URL expression, method and payload schema."""

    name: str
    expression: str
    method: str
    schema: dict[str, Any]


def declared_callbacks(root: dict[str, Any], path: str, method: str) -> list[DeclaredCallback]:
    """The callbacks an operation declares, with `$ref`s to components followed."""
    operation = root.get("paths", {}).get(path, {}).get(method.lower(), {})
    found = []
    for name, item in (operation.get("callbacks") or {}).items():
        item = _deref(root, item)
        for expression, path_item in item.items():
            for verb, op in _deref(root, path_item).items():
                if verb.lower() not in ("get", "put", "post", "delete", "patch"):
                    continue
                content = _deref(root, op.get("requestBody", {})).get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                found.append(DeclaredCallback(name, expression, verb.upper(), schema))
    return found


_VALIDATORS: dict[tuple[int, str, str, str], Any] = {}


def payload_errors(root: dict[str, Any], callback: DeclaredCallback, payload: Any) -> list[str]:
    """Why a payload breaks the callback's declared schema (empty when it fits).

    The validator is compiled once per spec document and callback, not per notification.
    """
    key = (id(root), callback.name, callback.expression, callback.method)
    validator = _VALIDATORS.get(key)
    if validator is None:
        import jsonschema

        schema = {**callback.schema, "components": root.get("components", {})}
        validator = jsonschema.Draft202012Validator(schema)
        _VALIDATORS[key] = validator
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
        for e in validator.iter_errors(payload)
    ]


def expand(expression: str, request: dict[str, Any]) -> str:
    """Evaluate OpenAPI runtime expressions in a callback key.

    `request` holds what the creating request carried: `body`, `query`, `headers`, `path`
    (path parameters), `url` and `method`. Supports `$request.body#/pointer`,
    `$request.query.x`, `$request.header.x`, `$request.path.x`, `$url` and `$method`.
    """

    def one(match: re.Match[str]) -> str:
        value = _evaluate(match.group(1), request)
        if value is None:
            raise ValueError(f"runtime expression {match.group(1)} has no value")
        return str(value)

    return _EXPRESSION.sub(one, expression)


def _evaluate(expr: str, request: dict[str, Any]) -> Any:
    if expr == "$url":
        return request.get("url")
    if expr == "$method":
        return request.get("method")
    if expr.startswith("$request.body"):
        pointer = expr.partition("#")[2]
        return _pointer(request.get("body"), pointer)
    for source, key in (("query", "query"), ("header", "headers"), ("path", "path")):
        prefix = f"$request.{source}."
        if expr.startswith(prefix):
            name = expr[len(prefix) :]
            values = request.get(key) or {}
            if source == "header":
                values = {k.lower(): v for k, v in values.items()}
                name = name.lower()
            value = values.get(name)
            return value[0] if isinstance(value, list) and value else value
    raise ValueError(f"unsupported runtime expression {expr}")


def _pointer(doc: Any, pointer: str) -> Any:
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _deref(root: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = _pointer(root, node["$ref"].partition("#")[2]) or {}
    return node


# --- signing and tracing ---------------------------------------------------------------


def canonical(payload: Any) -> bytes:
    """The bytes that are sent and signed; a receiver re-derives them from the parsed body."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `timestamp + "." + body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    now: float,
    tolerance: float = 300.0,
) -> str | None:
    """Why a signed request must be refused, or None when it is genuine and fresh."""
    if not signature or not timestamp:
        return f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header"
    try:
        sent = float(timestamp)
    except ValueError:
        return f"{TIMESTAMP_HEADER} is not a number of seconds"
    if abs(now - sent) > tolerance:
        return f"{TIMESTAMP_HEADER} is {abs(now - sent):.0f} s from now (tolerance {tolerance:g} s)"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        return f"{SIGNATURE_HEADER} does not match the body"
    return None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a valid W3C traceparent, else None."""
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    return match.group(1) if match and match.group(1) != "0" * 32 else None


# --- delivery --------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to deliver: delay n = base * factor**(n-1), capped,
    plus up to `jitter` of itself, drawn from a RNG seeded by seed, delivery and attempt."""

    attempts: int = 5
    base: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.1
    timeout: float = 2.0

    def backoff(self, seed: int, delivery_id: str, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        delay = min(self.max_delay, self.base * self.factor ** (attempt - 1))
        rng = random.Random(f"{seed}:{delivery_id}:{attempt}")
        return round(delay * (1 + self.jitter * rng.random()), 6)


@dataclass
class Delivery:
    """One notification to one URL, with its attempt history."""

    id: str
    key: str  # deliveries sharing a key arrive in order
    url: str
    method: str
    payload: dict[str, Any]
    trace_id: str
    attempt: int = 0
    due: float = 0.0
    last_error: str = ""


Sender = Callable[[str, str, bytes, dict[str, str], float], Awaitable[int]]
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
        self.store = store  # shared mode: deliveries live in the store, claimed per key
        self.namespace = namespace
        self.poll = poll  # real seconds between two looks at the store
        self.lease = lease or 10.0 + 2 * (policy or RetryPolicy()).timeout
        self.holder = uuid.uuid4().hex  # this scheduler, as a claim holder
        # Run under a key's claim before its delivery: the owner of the key finishes
        # queueing what a process that died may have left half queued.
        self._prepare = prepare
        self._polled = 0.0
        self._kick = True  # look at the store at the next step, without waiting for `poll`
        self._pollers: list[Callable[[], Awaitable[None]]] = []
        self._unreachable: str | None = None  # why the last look at the store failed
        self._persist = persist
        self._writes: deque[tuple[dict[str, Any], str]] = deque()
        self.secret = secret
        self.policy = policy or RetryPolicy()
        self.seed = seed
        self.tick = tick
        self._send = send or self._http_send
        self._client: Any = None
        self.allowed_hosts = allowed_hosts
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
        if self._wake is not None:
            self._wake.set()
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
        if self.store is None:
            return self.enqueue(key, url, method, payload, trace_id)
        if delivery_id is not None:
            found = await self.store.get(self.namespace, delivery_id)
            if found is not None:
                return _delivery(found)
        rank = await self.store.next_id(self.namespace)
        delivery = Delivery(
            delivery_id or f"d{rank}", key, url, method, payload, trace_id, due=self.now()
        )
        await self.store.put(self.namespace, delivery.id, _kept(delivery, "pending", rank))
        self._woken()
        return delivery

    async def letters(self) -> list[dict[str, Any]]:
        """The dead letters, oldest first (every process's, with a store)."""
        if self.store is None:
            return self.dead_letters()
        return [
            _letter(_delivery(item)) for item in await self._stored() if item.get("state") == "dead"
        ]

    async def requeue(self, dead_id: str) -> Delivery | None:
        """As `redrive`; with a store, behind whatever the key has queued by then."""
        if self.store is None:
            return self.redrive(dead_id)
        item = await self.store.get(self.namespace, dead_id)
        if item is None or item.get("state") != "dead":
            return None
        delivery = _delivery(item)
        delivery.attempt, delivery.due = 0, self.now()
        rank = await self.store.next_id(self.namespace)
        await self.store.put(self.namespace, dead_id, _kept(delivery, "pending", rank))
        self._woken()
        return delivery

    async def history(self) -> list[dict[str, Any]]:
        """Every attempt, oldest first (every process's, with a store)."""
        if self.store is None:
            return list(self.attempts)
        return await self.store.items(self.namespace + "/attempts")

    def _woken(self) -> None:
        self._kick = True
        if self._wake is not None:
            self._wake.set()

    async def _stored(self) -> list[dict[str, Any]]:
        items = await self.store.items(self.namespace)
        return sorted(items, key=lambda d: d.get("rank") or _number(d.get("id", "")))

    async def _poll_store(self) -> None:
        """Start the due head of every key no one here is delivering, then run the pollers.
        The head is the pending delivery of lowest rank; a key is delivered one at a time."""
        self._kick, self._polled = False, time.monotonic()
        heads: dict[str, dict[str, Any]] = {}
        for item in await self._stored():
            if item.get("state") == "pending":
                heads.setdefault(item["key"], item)
        now = self.now()
        for key, item in heads.items():
            if key in self._busy or float(item.get("due", 0)) > now:
                continue
            self._busy.add(key)
            task = asyncio.get_running_loop().create_task(self._deliver_shared(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
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
                self._woken()

    async def _attempt_stored(self, item: dict[str, Any]) -> None:
        """Attempt, then write the outcome back: gone when delivered, else a retry when
        due or a dead letter."""
        delivery, started = _delivery(item), self.now()
        ok, outcome = await self._try(delivery)
        await self._keep_attempt(delivery, started, outcome)
        if ok:
            await self.store.delete(self.namespace, delivery.id)
            return
        delivery.last_error = outcome
        state = "dead" if delivery.attempt >= self.policy.attempts else "pending"
        if state == "dead":
            _log_dead(delivery, outcome)
        else:
            delivery.due = self.now() + self.policy.backoff(
                self.seed, delivery.id, delivery.attempt
            )
        await self.store.put(self.namespace, delivery.id, _kept(delivery, state, item.get("rank")))

    async def _keep_attempt(self, delivery: Delivery, started: float, outcome: str) -> None:
        entry = self._record(delivery, started, outcome)
        self.attempts.pop()  # with a store, the store keeps the history
        ns = self.namespace + "/attempts"
        await self.store.put(ns, f"a{await self.store.next_id(ns)}", entry)

    def restore(self, saved: list[dict[str, Any]]) -> None:
        """Take back what `persist` kept before a restart: pending in order, dead letters."""
        fields = set(Delivery.__dataclass_fields__)
        ordered = sorted(saved, key=lambda d: _number(d.get("id", "")))
        for item in ordered:
            delivery = Delivery(**{k: v for k, v in item.items() if k in fields})
            if item.get("state") == "dead":
                self.dead[delivery.id] = delivery
            else:
                self._queues.setdefault(delivery.key, deque()).append(delivery)
        if ordered:
            self._ids = itertools.count(_number(ordered[-1]["id"]) + 1)

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
        """Keep state changes, fire due timers, then start the due head of every idle queue."""
        await self.flush()
        now = self.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, action = heapq.heappop(self._timers)
            try:
                await action()
            except Exception:
                log.exception("a scheduled action failed")
        if self.store is not None:
            if self._kick or time.monotonic() - self._polled >= self.poll:
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
            return
        for key, queue in list(self._queues.items()):
            if not queue:
                del self._queues[key]
                continue
            if key in self._busy or queue[0].due > now:
                continue
            self._busy.add(key)
            task = asyncio.get_running_loop().create_task(self._attempt(queue[0]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

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

    async def _http_send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> int:
        """Send over one pooled client; the status, or an exception on failure or timeout."""
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient()
        response = await self._client.request(
            method, url, content=body, headers=headers, timeout=timeout
        )
        return response.status_code

    async def _try(self, delivery: Delivery) -> tuple[bool, str]:
        """One signed attempt: (whether it was answered 2xx, the status or the error)."""
        delivery.attempt += 1
        started = self.now()
        timestamp = str(int(started))  # whole seconds: receivers commonly do int(ts)
        body = canonical(delivery.payload)
        span = random.Random(f"{self.seed}:{delivery.id}:{delivery.attempt}").getrandbits(64)
        headers = {
            "content-type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            "traceparent": f"00-{delivery.trace_id}-{span or 1:016x}-01",
        }
        host = urlsplit(delivery.url).hostname or ""
        try:
            if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
                delivery.attempt = self.policy.attempts  # no retry can make it allowed
                raise PermissionError(f"host {host!r} is not an allowed callback host")
            status = await self._send(
                delivery.method, delivery.url, body, headers, self.policy.timeout
            )
            return 200 <= status < 300, str(status)
        except Exception as exc:  # a timeout or a refused connection is a failed attempt
            return False, f"{type(exc).__name__}: {exc}".strip(": ")

    async def _attempt(self, delivery: Delivery) -> None:
        started = self.now()
        ok, outcome = await self._try(delivery)
        self._record(delivery, started, outcome)
        queue = self._queues.get(delivery.key)
        if ok or delivery.attempt >= self.policy.attempts:
            if queue and queue[0] is delivery:
                queue.popleft()
            if not ok:
                delivery.last_error = outcome
                self.dead[delivery.id] = delivery
                self._note(delivery, "dead")
                _log_dead(delivery, outcome)
            else:
                self._note(delivery, "done")
        else:
            delivery.last_error = outcome
            delivery.due = self.now() + self.policy.backoff(
                self.seed, delivery.id, delivery.attempt
            )
            self._note(delivery, "pending")
        self._busy.discard(delivery.key)
        if self._wake is not None:
            self._wake.set()  # the next in this key's queue may go at once

    def _record(self, delivery: Delivery, started: float, outcome: str) -> dict[str, Any]:
        entry = {
            "reference": delivery.key,
            "seq": int(delivery.payload.get("seq", 0)),
            "attempt": delivery.attempt,
            "at": started,
            "due": delivery.due,
            "outcome": outcome,
            "latency_ms": round((self.now() - delivery.due) * 1000, 3),  # due → answered
            "trace_id": delivery.trace_id,
        }
        self.attempts.append(entry)
        log.info(
            "callback %s %s key=%s seq=%s attempt=%d -> %s trace=%s",
            delivery.method,
            delivery.url,
            delivery.key,
            entry["seq"],
            delivery.attempt,
            outcome,
            delivery.trace_id,
        )
        return entry

    def dead_letters(self) -> list[dict[str, Any]]:
        return [_letter(d) for d in self.dead.values()]

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
        if self._client is not None:
            await self._client.aclose()


def _log_dead(d: Delivery, outcome: str) -> None:
    log.warning(
        "dead letter %s key=%s after %d attempts: %s trace=%s",
        d.id,
        d.key,
        d.attempt,
        outcome,
        d.trace_id,
    )


def _letter(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "reference": d.key,
        "seq": int(d.payload.get("seq", 0)),
        "status": d.payload.get("status"),
        "attempts": d.attempt,
        "last_error": d.last_error,
        "url": d.url,
    }


def _kept(delivery: Delivery, state: str, rank: int | None) -> dict[str, Any]:
    """A delivery as the store keeps it: its fields, its state and its place in line."""
    return {**asdict(delivery), "state": state, "rank": rank or _number(delivery.id)}


def _delivery(item: dict[str, Any]) -> Delivery:
    fields = Delivery.__dataclass_fields__
    return Delivery(**{k: v for k, v in item.items() if k in fields})


def _number(delivery_id: str) -> int:
    digits = delivery_id.lstrip("d")
    return int(digits) if digits.isdigit() else 0
