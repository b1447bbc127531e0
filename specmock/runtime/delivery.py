"""One notification and how patiently it is delivered: the data every delivery mode shares.

A `Delivery` is one payload for one URL with its attempt count; a `RetryPolicy` says how
many attempts it gets and how long to wait between them. The rows built here (an attempt
in the history, a dead letter) look the same whether the queue is in this process or in a
store several processes share, so every reader sees one shape.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("specmock.callbacks")


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


def delivery_from(item: dict[str, Any]) -> Delivery:
    """A delivery from a kept row, which may carry more fields (its state, its rank)."""
    fields = Delivery.__dataclass_fields__
    return Delivery(**{k: v for k, v in item.items() if k in fields})


def id_number(delivery_id: str) -> int:
    """The number in an id such as `d12`: the order deliveries were made in (0 if none)."""
    digits = delivery_id.lstrip("d")
    return int(digits) if digits.isdigit() else 0


def attempt_entry(delivery: Delivery, started: float, outcome: str, now: float) -> dict[str, Any]:
    """One attempt as the history shows it; logged, so a run's log tells the same story."""
    entry = {
        "reference": delivery.key,
        "seq": int(delivery.payload.get("seq", 0)),
        "attempt": delivery.attempt,
        "at": started,
        "due": delivery.due,
        "outcome": outcome,
        "latency_ms": round((now - delivery.due) * 1000, 3),  # due → answered
        "trace_id": delivery.trace_id,
    }
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


def letter(d: Delivery) -> dict[str, Any]:
    """A dead letter as the admin API lists it."""
    return {
        "id": d.id,
        "reference": d.key,
        "seq": int(d.payload.get("seq", 0)),
        "status": d.payload.get("status"),
        "attempts": d.attempt,
        "last_error": d.last_error,
        "url": d.url,
    }


def log_dead(d: Delivery, outcome: str) -> None:
    """Say that a delivery gave up: a dead letter waits for someone to redrive it."""
    log.warning(
        "dead letter %s key=%s after %d attempts: %s trace=%s",
        d.id,
        d.key,
        d.attempt,
        outcome,
        d.trace_id,
    )
