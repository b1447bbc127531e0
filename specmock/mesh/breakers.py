"""Circuit breakers, one per dependency edge (caller service -> downstream service).

Closed counts failures (consecutive, or the failure rate over the last N calls);
past the threshold it opens and refuses calls at once. After the open timeout it
lets a few probes through (half-open): enough successes close it, one failure
opens it again. A breaker that keeps reopening is flapping; the policy says
what then: `backoff` doubles the open timeout (up to a cap), `latch` keeps it
open until someone closes it through the admin API.

Time is read from the mesh clock, so a test moves a virtual clock past the open
timeout instead of sleeping. (Libraries such as pybreaker read the machine's
time and have no settable state, which is why this is a small state machine.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .topology import MeshError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)
FLAP_POLICIES = ("none", "backoff", "latch")


class BreakerError(MeshError):
    """A breaker setting that cannot work, naming the field."""


@dataclass
class Policy:
    consecutive_failures: int | None = 5
    failure_rate: float | None = None  # 0..1 over the last `window` calls
    window: int = 20
    min_calls: int = 10
    open_seconds: float = 30.0
    half_open_probes: int = 1  # successes needed to close; also probes let through at once
    flap_opens: int = 3  # this many opens within flap_seconds is flapping
    flap_seconds: float = 60.0
    flap_policy: str = "backoff"
    max_open_seconds: float = 600.0


def parse_policy(data: Any, where: str = "breaker", base: Policy | None = None) -> Policy:
    if data is None:
        return Policy(**vars(base)) if base else Policy()
    if not isinstance(data, dict):
        raise BreakerError(f"{where}: must be a mapping")
    known = set(Policy.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise BreakerError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    policy = Policy(**{**vars(base or Policy()), **data})
    if "failure_rate" in data and "consecutive_failures" not in data:
        policy.consecutive_failures = None
    if policy.failure_rate is not None and not 0 < float(policy.failure_rate) <= 1:
        raise BreakerError(f"{where}.failure_rate: must be in (0, 1]")
    for name in ("window", "min_calls", "half_open_probes", "flap_opens"):
        value = getattr(policy, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BreakerError(f"{where}.{name}: must be a whole number >= 1")
    count = policy.consecutive_failures
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise BreakerError(f"{where}.consecutive_failures: must be a whole number >= 1")
    for name in ("open_seconds", "flap_seconds", "max_open_seconds"):
        value = getattr(policy, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise BreakerError(f"{where}.{name}: must be a positive number of seconds")
    if policy.flap_policy not in FLAP_POLICIES:
        raise BreakerError(f"{where}.flap_policy: must be one of {', '.join(FLAP_POLICIES)}")
    return policy


@dataclass
class Breaker:
    edge: str
    policy: Policy
    clock: Callable[[], float]
    state: str = CLOSED
    consecutive: int = 0
    recent: deque[bool] = field(default_factory=deque)  # True = failure
    opened_at: float = 0.0
    open_for: float = 0.0
    probes: int = 0  # let through in this half-open period
    successes: int = 0  # in this half-open period
    opens: deque[float] = field(default_factory=deque)
    latched: bool = False
    transitions: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=100))
    short_circuited: int = 0

    def allow(self) -> bool:
        """May a call go through now? (Counts a half-open probe when it may.)"""
        if self.state == OPEN:
            if self.latched or self.clock() < self.opened_at + self.open_for:
                self.short_circuited += 1
                return False
            self._move(HALF_OPEN, "open timeout elapsed")
        if self.state == HALF_OPEN:
            if self.probes >= self.policy.half_open_probes:
                self.short_circuited += 1
                return False
            self.probes += 1
        return True

    def record(self, failed: bool) -> None:
        if self.state == HALF_OPEN:
            if failed:
                self._open("a half-open probe failed")
            else:
                self.successes += 1
                if self.successes >= self.policy.half_open_probes:
                    self._move(CLOSED, "half-open probes succeeded")
                else:
                    self.probes -= 1  # room for the next probe
            return
        if self.state == OPEN:
            return  # a call let through before the breaker opened
        self.consecutive = self.consecutive + 1 if failed else 0
        self.recent.append(failed)
        while len(self.recent) > self.policy.window:
            self.recent.popleft()
        reason = self._tripped()
        if reason:
            self._open(reason)

    def _tripped(self) -> str | None:
        p = self.policy
        if p.consecutive_failures is not None and self.consecutive >= p.consecutive_failures:
            return f"{self.consecutive} consecutive failures"
        if p.failure_rate is not None and len(self.recent) >= p.min_calls:
            rate = sum(self.recent) / len(self.recent)
            if rate >= p.failure_rate:
                return f"failure rate {rate:.2f} over {len(self.recent)} calls"
        return None

    def _open(self, reason: str) -> None:
        now = self.clock()
        p = self.policy
        while self.opens and self.opens[0] < now - p.flap_seconds:
            self.opens.popleft()
        self.opens.append(now)
        self.open_for = p.open_seconds
        flapping = len(self.opens) >= p.flap_opens
        if flapping and p.flap_policy == "backoff":
            extra = len(self.opens) - p.flap_opens + 1
            self.open_for = min(p.open_seconds * 2**extra, p.max_open_seconds)
            reason += f"; flapping, open for {self.open_for:g} s"
        elif flapping and p.flap_policy == "latch":
            self.latched = True
            reason += "; flapping, latched open until closed by hand"
        self.opened_at = now
        self._move(OPEN, reason)

    def _move(self, state: str, reason: str) -> None:
        self.transitions.append(
            {"from": self.state, "to": state, "at": self.clock(), "reason": reason}
        )
        self.state = state
        self.probes = self.successes = 0
        if state == CLOSED:
            self.consecutive = 0
            self.recent.clear()
            self.latched = False

    def force(self, state: str) -> None:
        """Set by hand (admin API): open stays open for the open timeout from now."""
        if state not in STATES:
            raise BreakerError(f"state: must be one of {', '.join(STATES)}")
        if state == OPEN:
            self.opened_at, self.open_for = self.clock(), self.policy.open_seconds
        self.latched = False
        self._move(state, "set through the admin API")

    def as_dict(self) -> dict[str, Any]:
        return {
            "edge": self.edge,
            "state": self.state,
            "consecutive_failures": self.consecutive,
            "recent_failure_rate": round(sum(self.recent) / len(self.recent), 3)
            if self.recent
            else 0.0,
            "short_circuited": self.short_circuited,
            "opens_until": self.opened_at + self.open_for if self.state == OPEN else None,
            "latched": self.latched,
            "transitions": list(self.transitions),
        }


class Breakers:
    """The breakers of every edge, created on first use with the edge's policy."""

    def __init__(
        self,
        clock: Callable[[], float],
        default: Policy | None = None,
        edges: dict[str, Policy] | None = None,
    ):
        self.clock = clock
        self.default = default or Policy()
        self.policies = dict(edges or {})
        self.breakers: dict[str, Breaker] = {}

    def get(self, edge: str) -> Breaker:
        breaker = self.breakers.get(edge)
        if breaker is None:
            policy = self.policies.get(edge, self.default)
            breaker = self.breakers[edge] = Breaker(edge, policy, self.clock)
        return breaker

    def state(self, edge: str) -> str:
        breaker = self.breakers.get(edge)
        if breaker is None:
            return CLOSED
        elapsed = self.clock() >= breaker.opened_at + breaker.open_for
        if breaker.state == OPEN and not breaker.latched and elapsed:
            return HALF_OPEN  # what the next call will find
        return breaker.state


def parse_breakers(data: Any, clock: Callable[[], float]) -> Breakers:
    """`breakers: {default: {...}, edges: {"a->b": {...}}}` from the mesh file."""
    data = data or {}
    if not isinstance(data, dict) or set(data) - {"default", "edges"}:
        raise BreakerError("breakers: takes `default` and `edges`")
    default = parse_policy(data.get("default"), "breakers.default")
    edges = data.get("edges") or {}
    if not isinstance(edges, dict):
        raise BreakerError("breakers.edges: must map 'caller->callee' to a policy")
    policies = {}
    for edge, raw in edges.items():
        if "->" not in str(edge):
            raise BreakerError(f"breakers.edges.{edge}: an edge is written 'caller->callee'")
        policies[str(edge)] = parse_policy(raw, f"breakers.edges.{edge}", default)
    return Breakers(clock, default, policies)
