"""Failure injection: rules that slow, break or drop answers, decided by a seeded RNG.

A rule matches by service, operation, method, path, headers and body fields, fires
with a probability, every Nth match or for the first N matches (call
sequences), or only after the first N (`after`), and then adds latency, answers an
error (a status, or a vendor error by name such as `SlowDown`; declared or not, in the
vendor's envelope), or breaks the connection (timeout, reset, empty response, truncated
body, malformed chunk, dribble). One seed gives one sequence of decisions.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_DELAY_MS = 60_000.0  # no delay, latency or held connection lasts longer (configurable)
CONNECTION_FAULTS = ("timeout", "reset", "empty", "truncated", "malformed", "dribble")
DISTRIBUTIONS = ("fixed", "uniform", "normal", "lognormal")


class RuleError(ValueError):
    """A rule that cannot work, with the field and the reason."""


@dataclass
class Rule:
    id: str = ""
    service: str | None = None
    operation: str | None = None
    method: str | None = None
    path: str | None = None  # a literal path, a template (/pets/{id}) or a regex (^/pets/.*)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    probability: float = 1.0
    every: int | None = None
    first: int | None = None
    after: int | None = None  # let the first N matches through (`first` counts from there)
    latency: dict[str, Any] | None = None
    status: int | None = None
    error: str | None = None  # a named error of the service's catalogue
    fault: str | None = None
    seconds: float = 30.0  # how long a timeout holds, or a dribble lasts
    matched: int = 0  # how many requests matched so far (for every/first)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, {}, "")}


@dataclass
class Decision:
    rule: str
    delay_ms: float = 0.0
    status: int | None = None
    fault: str | None = None
    seconds: float = 30.0
    error: str | None = None

    @property
    def answers(self) -> bool:
        """Whether the request is answered by the fault rather than only delayed."""
        return self.status is not None or self.fault is not None or self.error is not None


def parse_rule(data: Mapping[str, Any], index: int = 0) -> Rule:
    known = set(Rule.__dataclass_fields__) - {"matched"}
    unknown = set(data) - known
    if unknown:
        raise RuleError(f"rule {index}: unknown field(s) {', '.join(sorted(unknown))}")
    rule = Rule(**{k: v for k, v in data.items() if k in known})
    rule.id = rule.id or f"rule-{index + 1}"
    if not 0.0 <= float(rule.probability) <= 1.0:
        raise RuleError(f"{rule.id}: probability must be between 0 and 1")
    for name in ("every", "first", "after"):
        value = getattr(rule, name)
        if value is not None:
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 1
                or value != int(value)
            ):
                raise RuleError(f"{rule.id}: {name} must be a whole number >= 1")
            setattr(rule, name, int(value))
    if rule.fault is not None and rule.fault not in CONNECTION_FAULTS:
        raise RuleError(f"{rule.id}: fault must be one of {', '.join(CONNECTION_FAULTS)}")
    if rule.latency is not None:
        _check_latency(rule.id, rule.latency)
    if rule.status is not None:
        if (
            isinstance(rule.status, bool)
            or not isinstance(rule.status, int | float)
            or rule.status != int(rule.status)
            or not 100 <= rule.status < 600
        ):
            raise RuleError(f"{rule.id}: status must be an HTTP status code")
        rule.status = int(rule.status)
    if rule.error is not None and (not isinstance(rule.error, str) or not rule.error.strip()):
        raise RuleError(f"{rule.id}: error must name an error of the service, e.g. SlowDown")
    if rule.error is not None and rule.fault is not None:
        raise RuleError(f"{rule.id}: a rule answers an error or breaks the connection, not both")
    if rule.latency is None and rule.status is None and rule.fault is None and not rule.error:
        raise RuleError(f"{rule.id}: a rule needs latency, status, error or fault")
    return rule


def _check_latency(rule_id: str, latency: Any) -> None:
    if not (
        isinstance(latency, dict) and len(latency) == 1 and next(iter(latency)) in DISTRIBUTIONS
    ):
        raise RuleError(
            f"{rule_id}: latency takes one of {', '.join(DISTRIBUTIONS)}, e.g. "
            "{fixed: 200} or {uniform: [100, 300]} (milliseconds)"
        )
    kind, value = next(iter(latency.items()))
    count = 1 if kind == "fixed" else 2
    values = value if isinstance(value, list) else [value]
    if len(values) != count or not all(isinstance(v, int | float) for v in values):
        raise RuleError(f"{rule_id}: latency {kind} takes {count} number(s)")


def sample(latency: dict[str, Any], rng: random.Random) -> float:
    """Milliseconds drawn from the rule's distribution (never negative)."""
    kind, value = next(iter(latency.items()))
    if kind == "fixed":
        return float(value[0] if isinstance(value, list) else value)
    a, b = value
    if kind == "uniform":
        return rng.uniform(a, b)
    if kind == "normal":
        return max(0.0, rng.gauss(a, b))
    return math.exp(rng.gauss(a, b))  # lognormal: a, b are mu and sigma of log(ms)


class Faults:
    """The active rules and the seeded RNG their decisions draw on."""

    def __init__(
        self, seed: int = 0, rules: list[Rule] | None = None, max_delay_ms: float = MAX_DELAY_MS
    ):
        self.rng = random.Random(seed)
        self.rules: list[Rule] = list(rules or [])
        self.max_delay_ms = max_delay_ms

    def _capped(self, decision: Decision) -> Decision:
        """No decision holds a request longer than max_delay_ms, whatever a rule or a
        header asked: a huge delay must not pin a connection (or a shutdown) for hours."""
        decision.delay_ms = min(decision.delay_ms, self.max_delay_ms)
        decision.seconds = min(decision.seconds, self.max_delay_ms / 1000)
        return decision

    def set(self, rules: list[Rule]) -> None:
        self.rules = list(rules)

    def add(self, rule: Rule) -> None:
        if any(r.id == rule.id for r in self.rules):
            raise RuleError(f"a rule with id {rule.id!r} exists")
        self.rules.append(rule)

    def from_headers(self, headers: Mapping[str, str]) -> Decision | None:
        """`X-Specmock-Delay: 250` (or `uniform:100-300`) and `X-Specmock-Fault: reset|503|..`,
        or the name of one of the service's errors (`X-Specmock-Fault: SlowDown`)."""
        delay = headers.get("x-specmock-delay")
        fault = headers.get("x-specmock-fault")
        if delay is None and fault is None:
            return None
        decision = Decision(rule="header")
        if delay:
            match = re.fullmatch(
                r"(?:uniform:)?(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?", delay.strip()
            )
            if match is None:
                raise RuleError("X-Specmock-Delay takes milliseconds: 250 or uniform:100-300")
            low, high = float(match.group(1)), float(match.group(2) or match.group(1))
            decision.delay_ms = low if high == low else self.rng.uniform(low, high)
        if fault:
            fault = fault.strip()
            if fault.isdigit():
                decision.status = int(fault)
                if not 100 <= decision.status < 600:
                    raise RuleError("X-Specmock-Fault: a status must be between 100 and 599")
            elif fault.lower() in CONNECTION_FAULTS:
                decision.fault = fault.lower()
            elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_.:-]*", fault):
                decision.error = fault
            else:
                raise RuleError(
                    "X-Specmock-Fault takes a status, an error name of the service or one of "
                    + ", ".join(CONNECTION_FAULTS)
                )
        return self._capped(decision)

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def decide(self, request: Target) -> Decision | None:
        for rule in self.rules:
            if not _matches(rule, request):
                continue
            rule.matched += 1
            counted = rule.matched - (rule.after or 0)
            if counted < 1:
                continue
            if rule.first is not None and counted > rule.first:
                continue
            if rule.every is not None and counted % rule.every:
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            delay = sample(rule.latency, self.rng) if rule.latency else 0.0
            return self._capped(
                Decision(rule.id, delay, rule.status, rule.fault, rule.seconds, rule.error)
            )
        return None


@dataclass
class Target:
    """What a rule can match a request by."""

    service: str
    operation: str
    method: str
    path: str
    template: str
    headers: Mapping[str, str]
    body: Any


def _matches(rule: Rule, request: Target) -> bool:
    if rule.service and rule.service != request.service:
        return False
    if rule.operation and rule.operation != request.operation:
        return False
    if rule.method and rule.method.upper() != request.method:
        return False
    if rule.path and not _path_matches(rule.path, request.path, request.template):
        return False
    if any(request.headers.get(k.lower()) != v for k, v in rule.headers.items()):
        return False
    if rule.body:
        body = request.body
        return isinstance(body, dict) and all(body.get(k) == v for k, v in rule.body.items())
    return True


def _path_matches(wanted: str, path: str, template: str) -> bool:
    if wanted in (path, template):
        return True
    if wanted.startswith("^"):
        return re.search(wanted, path) is not None
    return False
