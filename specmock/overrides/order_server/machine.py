"""The order state machine: which moves are legal, and which happen by themselves.

    created ──▶ accepted ──▶ processing ──▶ completed
       │           │             └────────▶ failed
       └───────────┴──▶ cancelled

The automatic path (created → accepted → processing → completed) advances on the clock,
one configurable delay per step; any legal move may also be asked for at once. Pure
functions over the stored order dict, so the rules are tested without a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specmock import iso

ALLOWED: dict[str, frozenset[str]] = {
    "created": frozenset({"accepted", "cancelled"}),
    "accepted": frozenset({"processing", "cancelled"}),
    "processing": frozenset({"completed", "failed"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}
AUTO_NEXT = {"created": "accepted", "accepted": "processing", "processing": "completed"}


@dataclass(frozen=True)
class Delays:
    """Seconds spent in each automatic step (by default an order completes in 3 s)."""

    accept: float = 1.0
    process: float = 1.0
    complete: float = 1.0

    def after(self, status: str) -> float | None:
        """How long an order stays in `status` before moving on by itself (None: it stays)."""
        return {"created": self.accept, "accepted": self.process,
                "processing": self.complete}.get(status)

    @classmethod
    def parse(cls, text: str) -> Delays:
        """'1,1,1' → the three step delays in seconds."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 3 or any(p < 0 for p in parts):
            raise ValueError(f"order delays {text!r}: three non-negative seconds, e.g. 1,1,1")
        return cls(*parts)


class IllegalTransition(ValueError):
    """A move the state machine does not allow; never applied."""


def new_order(reference: str, body: dict[str, Any], now: float, delays: Delays,
              trace_id: str) -> dict[str, Any]:
    """A freshly created order, with its first history step and its first timer."""
    after = delays.after("created")
    return {
        "reference": reference,
        "status": "created",
        "customer_id": body["customer_id"],
        "currency": body.get("currency", "USD"),
        "items": body["items"],
        "callback_url": body["callback_url"],
        "created_at": iso(now),
        "trace_id": trace_id,
        "history": [{"seq": 1, "status": "created", "at": iso(now)}],
        "_due": None if after is None else now + after,
        "_request": {"body": body},
    }


def move(order: dict[str, Any], status: str, at: float, delays: Delays,
         reason: str | None = None) -> dict[str, Any]:
    """Apply one legal move in place and return its history step; IllegalTransition else."""
    current = order["status"]
    if status not in ALLOWED.get(current, frozenset()):
        allowed = ", ".join(sorted(ALLOWED.get(current, ()))) or "none (final state)"
        raise IllegalTransition(
            f"status: an order in {current!r} cannot move to {status!r} (allowed: {allowed})")
    step: dict[str, Any] = {"seq": len(order["history"]) + 1, "status": status, "at": iso(at)}
    if reason:
        step["reason"] = reason
    order["history"].append(step)
    order["status"] = status
    after = delays.after(status)
    order["_due"] = None if after is None else at + after
    return step


def advance(order: dict[str, Any], now: float, delays: Delays) -> list[dict[str, Any]]:
    """Apply every automatic move due by `now`, each at its own due time."""
    steps = []
    while order.get("_due") is not None and order["_due"] <= now:
        nxt = AUTO_NEXT.get(order["status"])
        if nxt is None:
            order["_due"] = None
            break
        steps.append(move(order, nxt, order["_due"], delays))
    return steps


def public(order: dict[str, Any]) -> dict[str, Any]:
    """The order as the contract shows it (bookkeeping fields left out)."""
    return {k: v for k, v in order.items() if not k.startswith("_")}
