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


def parse_limits(text: str) -> dict[str, RateLimit]:
    """ "100/60" for every operation, or "petstore=100/60,createPet=5/60" per service/operation."""
    limits: dict[str, RateLimit] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        target, _, rule = part.rpartition("=")
        limits[target.strip()] = RateLimit.parse(rule.strip())
    return limits


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
