"""HTTP behaviours a mature API has beyond its schema: idempotency keys and rate limits.

Both work in one process (`Idempotency`, `RateLimiter`) or across every process sharing
a state store (`SharedIdempotency`, `SharedRateLimiter`): a key is held and its answer
kept by the store's `claim`, a window is counted by its `next_id`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from .responder import Outgoing

FIRST, REPLAYED, CONFLICT, IN_PROGRESS = "first", "replayed", "conflict", "in progress"


def digest(body: object) -> str:
    return hashlib.blake2b(
        orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


IDEMPOTENCY_TTL = 24 * 3600.0  # seconds a first answer is replayed (`--limit idempotency_ttl`)


class Idempotency:
    """`Idempotency-Key`: the first answer is replayed for the same key and the same body,
    for `ttl` seconds on the app's clock (a virtual clock moved on expires records too);
    after that the key is new again. At most `size` records are kept, oldest dropped."""

    def __init__(
        self,
        size: int = 10_000,
        now: Callable[[], float] | None = None,
        ttl: float = IDEMPOTENCY_TTL,
    ):
        self._seen: OrderedDict[tuple[str, str], tuple[str, Outgoing, float]] = OrderedDict()
        self.size = size
        self.now = now or time.time
        self.ttl = ttl

    def lookup(self, service: str, key: str, body: object) -> tuple[Outgoing | None, bool]:
        """(the stored answer, whether the body differs from the first one)."""
        found = self._seen.get((service, key))
        if found is None:
            return None, False
        first, out, until = found
        if until <= self.now():
            del self._seen[(service, key)]
            return None, False
        return (out, False) if first == digest(body) else (None, True)

    def remember(self, service: str, key: str, body: object, out: Outgoing) -> None:
        """Keep the answer; records that ran out go from the old end (oldest first is
        soonest to run out), and past `size` the oldest goes anyway."""
        now = self.now()
        self._seen[(service, key)] = (digest(body), out, now + self.ttl)
        self._seen.move_to_end((service, key))
        while self._seen and next(iter(self._seen.values()))[2] <= now:
            self._seen.popitem(last=False)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def begin(self, service: str, key: str, body: object, op: Any) -> tuple[Outgoing | None, str]:
        """The stored first answer and REPLAYED, or (None, CONFLICT) for another body, or
        (None, FIRST): answer it, then `finish`. (SharedIdempotency answers the same,
        awaitably.)"""
        stored, conflict = self.lookup(service, key, body)
        if conflict:
            return None, CONFLICT
        return (stored, REPLAYED) if stored is not None else (None, FIRST)

    def finish(self, service: str, key: str, body: object, out: Outgoing) -> None:
        if out.status < 500:
            self.remember(service, key, body, out)


class SharedIdempotency:
    """Idempotency records in the state store, as claims (`Store.claim`): every process
    sharing it replays the same first answer. The first request with a key claims it; a
    concurrent one waits up to `wait` seconds for the answer, then hears IN_PROGRESS (and
    frees the key, in case its holder died). The answer is kept in the claim, which runs
    out `ttl` seconds later on the app's clock: then the key is new again, and the store
    forgets the record (Redis by its own TTL, the others by a lazy sweep). A 5xx answer is
    not kept, and frees the key for a retry."""

    def __init__(
        self,
        store: Any,
        now: Callable[[], float] | None = None,
        ttl: float = IDEMPOTENCY_TTL,
        wait: float = 10.0,
        poll: float = 0.02,
    ):
        self.store = store
        self.now = now or time.time
        self.ttl = ttl
        self.wait = wait
        self.poll = poll
        self._held: dict[tuple[str, str], str] = {}  # keys this process answers: their holder

    @staticmethod
    def _names(service: str, key: str) -> tuple[str, str]:
        tag = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return f"__specmock:idempotency:{service}", tag

    async def _take(self, records: str, tag: str) -> bool:
        holder = uuid.uuid4().hex
        now = self.now()
        if await self.store.claim(records, tag, holder, now, now + self.ttl):
            self._held[(records, tag)] = holder
            return True
        return False

    async def begin(
        self, service: str, key: str, body: object, op: Any
    ) -> tuple[Outgoing | None, str]:
        """As Idempotency.begin, plus (None, IN_PROGRESS) when another request holds the
        key longer than `wait` (its claim is then freed for the next request)."""
        records, tag = self._names(service, key)
        waited = 0.0
        while True:
            found = await self.store.claimed(records, tag, self.now())
            if found is None:
                if await self._take(records, tag):
                    return None, FIRST
                continue  # another took it between the look and the claim
            record = found[1]
            if record is not None:
                break
            if waited >= self.wait:  # the holder died or never finished: free the key
                await self.store.release(records, tag)
                return None, IN_PROGRESS
            await asyncio.sleep(self.poll)
            waited += self.poll
        if record["digest"] != digest(body):
            return None, CONFLICT
        return _outgoing(record, op), REPLAYED

    async def finish(self, service: str, key: str, body: object, out: Outgoing) -> None:
        records, tag = self._names(service, key)
        holder = self._held.pop((records, tag), None)
        if holder is None:
            return
        if out.status < 500:
            now = self.now()
            record = _record(digest(body), out)
            await self.store.claim(records, tag, holder, now, now + self.ttl, record)
        else:  # not kept: the key is free for a retry
            await self.store.release(records, tag, holder)


def _record(sent: str, out: Outgoing) -> dict[str, Any]:
    return {
        "digest": sent,
        "status": out.status,
        "body": base64.b64encode(out.body).decode(),
        "media_type": out.media_type,
        "headers": [list(h) for h in out.headers],
    }


def _outgoing(record: dict[str, Any], op: Any) -> Outgoing:
    headers = [(str(k), str(v)) for k, v in record["headers"]]
    body = base64.b64decode(record["body"])
    return Outgoing(record["status"], body, record["media_type"], headers, op)


@dataclass
class RateLimit:
    """At most `limit` requests per client key in each window of `seconds` (on the clock)."""

    limit: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """ "100/60" or "100/60s": 100 requests a minute."""
        count, _, window = text.partition("/")
        try:
            limit, seconds = int(count), float(window.rstrip("s") or 1)
        except ValueError:
            raise ValueError(f"rate limit {text!r}: use COUNT/SECONDS, e.g. 100/60") from None
        if limit < 1 or seconds <= 0:
            raise ValueError(f"rate limit {text!r}: count and window must be positive")
        return cls(limit, seconds)


def parse_limits(text: str) -> dict[str, RateLimit]:
    """ "100/60" for every operation, or "petstore=100/60,createPet=5/60" per service/operation."""
    limits: dict[str, RateLimit] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        target, _, rule = part.rpartition("=")
        limits[target.strip()] = RateLimit.parse(rule.strip())
    return limits


Limited = tuple[int, "RateLimit"]  # seconds to wait (Retry-After) and the limit hit


class RateLimiter:
    """Fixed windows per client key; the most specific limit (operation, service, all) applies."""

    def __init__(self, rules: dict[str, RateLimit], now: Callable[[], float]):
        self.rules = rules
        self.now = now  # the app's clock, read at each hit: it can be swapped or moved
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def rule_for(self, service: str, operation: str) -> tuple[str, RateLimit] | None:
        for target in (operation, service, ""):
            if target in self.rules:
                return target, self.rules[target]
        return None

    def check(self, service: str, operation: str, client: str) -> Limited | None:
        """As `hit`; SharedRateLimiter answers the same, awaitably."""
        return self.hit(service, operation, client)

    def hit(self, service: str, operation: str, client: str) -> tuple[int, RateLimit] | None:
        """None when allowed; else the seconds to wait (for Retry-After) and the limit hit."""
        found = self.rule_for(service, operation)
        if found is None:
            return None
        target, rule = found
        key = (target or service, client)
        now = self.now()
        window = int(now // rule.seconds)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[key] = (start, count)
        if len(self._windows) > 100_000:
            self._windows.clear()
        if count <= rule.limit:
            return None
        return max(1, math.ceil((window + 1) * rule.seconds - now)), rule


class SharedRateLimiter(RateLimiter):
    """The same fixed windows, counted in the state store, so a limit holds for all the
    processes sharing it together. A window's count is a store counter named after the
    window; a process forgets (clears) a client's previous window when it moves on."""

    def __init__(self, rules: dict[str, RateLimit], now: Callable[[], float], store: Any):
        super().__init__(rules, now)
        self.store = store
        self._last: dict[str, int] = {}

    async def check(  # type: ignore[override]
        self, service: str, operation: str, client: str
    ) -> Limited | None:
        found = self.rule_for(service, operation)
        if found is None:
            return None
        target, rule = found
        now = self.now()
        window = int(now // rule.seconds)
        who = hashlib.blake2b(client.encode(), digest_size=12).hexdigest()
        base = f"__specmock:rate:{target or service}:{who}:"
        count = await self.store.next_id(f"{base}{window}:")
        previous = self._last.get(base)
        if previous is not None and previous != window:
            await self.store.clear(f"{base}{previous}:")
        self._last[base] = window
        if len(self._last) > 100_000:
            self._last.clear()
        if count <= rule.limit:
            return None
        return max(1, math.ceil((window + 1) * rule.seconds - now)), rule
