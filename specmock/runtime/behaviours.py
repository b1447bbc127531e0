"""HTTP behaviours a mature API has beyond its schema: idempotency keys and rate limits."""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from .responder import Outgoing


def digest(body: object) -> str:
    return hashlib.blake2b(
        orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


class Idempotency:
    """`Idempotency-Key`: the first answer is replayed for the same key and the same body."""

    def __init__(self, size: int = 10_000):
        self._seen: OrderedDict[tuple[str, str], tuple[str, Outgoing]] = OrderedDict()
        self.size = size

    def lookup(self, service: str, key: str, body: object) -> tuple[Outgoing | None, bool]:
        """(the stored answer, whether the body differs from the first one)."""
        found = self._seen.get((service, key))
        if found is None:
            return None, False
        first, out = found
        return (out, False) if first == digest(body) else (None, True)

    def remember(self, service: str, key: str, body: object, out: Outgoing) -> None:
        self._seen[(service, key)] = (digest(body), out)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)


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


class RateLimiter:
    def __init__(self, rule: RateLimit, now: Callable[[], float]):
        self.rule = rule
        self.now = now  # the app's clock, read at each hit: it can be swapped or moved
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, client: str) -> int | None:
        """None when allowed; else the seconds to wait (for Retry-After)."""
        now = self.now()
        window = int(now // self.rule.seconds)
        start, count = self._windows.get(client, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[client] = (start, count)
        if len(self._windows) > 100_000:
            self._windows.clear()
        if count <= self.rule.limit:
            return None
        return max(1, math.ceil((window + 1) * self.rule.seconds - now))
