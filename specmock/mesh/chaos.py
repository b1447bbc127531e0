"""Scripted chaos: outages, latency spikes, error bursts and partitions on a timeline.

A scenario is a list of events, each with a start (`at`, seconds after the
scenario starts) and a `duration`, read against the mesh clock: with a virtual
clock a test moves time instead of sleeping. Every random draw (which request of
a burst fails, how long a spike lasts) comes from the scenario's seeded
generator, so the same seed and the same requests give the same failures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from random import Random
from typing import Any

from .topology import MeshError

KINDS = ("outage", "latency", "errors", "partition")


class ChaosError(MeshError):
    """A scenario event that cannot work, naming the field."""


@dataclass
class Event:
    kind: str
    at: float = 0.0
    duration: float = float("inf")
    service: str | None = None  # outage, latency, errors
    ms: float = 0.0  # latency: added milliseconds ...
    jitter_ms: float = 0.0  # ... plus up to this many more, drawn from the seed
    probability: float = 1.0  # errors: share of requests that fail
    status: int = 503  # errors: the status answered
    groups: list[list[str]] = field(default_factory=list)  # partition

    def active(self, elapsed: float) -> bool:
        return self.at <= elapsed < self.at + self.duration

    def as_dict(self) -> dict[str, Any]:
        """The fields that say something: kind, at, and what differs from the defaults."""
        defaults = asdict(Event(self.kind))
        return {k: v for k, v in asdict(self).items() if k in ("kind", "at") or v != defaults[k]}


@dataclass
class Effect:
    """What chaos does to one request arriving at a service."""

    outage: bool = False
    delay_ms: float = 0.0
    status: int | None = None
    faults: list[str] = field(default_factory=list)


def parse_event(raw: Any, where: str, services: set[str]) -> Event:
    if not isinstance(raw, dict):
        raise ChaosError(f"{where}: must be a mapping with `kind`")
    known = set(Event.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ChaosError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if raw.get("kind") not in KINDS:
        raise ChaosError(f"{where}.kind: must be one of {', '.join(KINDS)}")
    try:
        event = Event(**raw)
        event.at, event.duration = float(event.at), float(event.duration)
        event.ms, event.jitter_ms = float(event.ms), float(event.jitter_ms)
        event.probability = float(event.probability)
    except (TypeError, ValueError) as exc:
        raise ChaosError(f"{where}: {exc}") from None
    if event.at < 0 or event.duration <= 0:
        raise ChaosError(f"{where}: `at` must be >= 0 and `duration` > 0 (seconds)")
    if not 0 <= event.probability <= 1:
        raise ChaosError(f"{where}.probability: must be between 0 and 1")
    if event.kind == "partition":
        groups = event.groups
        if not (isinstance(groups, list) and len(groups) >= 2):
            raise ChaosError(f"{where}.groups: a partition needs two or more groups of services")
        for group in groups:
            for name in group if isinstance(group, list) else [None]:
                if name not in services:
                    raise ChaosError(f"{where}.groups: {name!r} is not a mesh service")
    elif event.service not in services:
        raise ChaosError(f"{where}.service: {event.service!r} is not a mesh service")
    if event.kind == "errors" and not 500 <= int(event.status) < 600:
        raise ChaosError(f"{where}.status: an error burst answers a 5xx status")
    return event


def parse_scenario(raw: Any, where: str, services: set[str]) -> tuple[list[Event], int | None]:
    """A scenario: `{seed: 7, events: [...]}` or just the list of events."""
    seed = None
    if isinstance(raw, dict):
        seed = raw.get("seed")
        raw = raw.get("events")
    if not isinstance(raw, list):
        raise ChaosError(f"{where}: must be a list of events or {{seed, events}}")
    events = [parse_event(e, f"{where}[{i}]", services) for i, e in enumerate(raw)]
    return events, seed


class Chaos:
    """The running scenario, if any, and the decisions it makes."""

    def __init__(self, clock: Callable[[], float], seed: int = 0):
        self.clock = clock
        self.seed = seed
        self.scenarios: dict[str, tuple[list[Event], int | None]] = {}
        self.name: str | None = None
        self.events: list[Event] = []
        self.started = 0.0
        self.rng = Random(seed)

    def start(self, events: list[Event], seed: int | None = None, name: str | None = None) -> None:
        """Run a timeline from now; the generator restarts from the seed."""
        self.events = list(events)
        self.name = name
        self.started = self.clock()
        self.rng = Random(self.seed if seed is None else seed)

    def start_named(self, name: str) -> None:
        if name not in self.scenarios:
            known = ", ".join(sorted(self.scenarios)) or "none"
            raise ChaosError(f"no chaos scenario {name!r} (known: {known})")
        events, seed = self.scenarios[name]
        self.start(events, seed, name)

    def stop(self) -> None:
        self.events, self.name = [], None

    def active(self) -> list[Event]:
        if not self.events:
            return []
        elapsed = self.clock() - self.started
        return [e for e in self.events if e.active(elapsed)]

    def effect(self, service: str) -> Effect:
        """Outage, latency and errors for a request arriving at `service`."""
        effect = Effect()
        for event in self.active():
            if event.service != service:
                continue
            if event.kind == "outage":
                effect.outage = True
                effect.faults.append("outage")
            elif event.kind == "latency":
                extra = self.rng.uniform(0, event.jitter_ms) if event.jitter_ms else 0.0
                effect.delay_ms += event.ms + extra
                effect.faults.append(f"latency {event.ms + extra:.0f} ms")
            elif event.kind == "errors" and effect.status is None and self._fires(event):
                effect.status = int(event.status)
                effect.faults.append(f"error {event.status}")
        return effect

    def _fires(self, event: Event) -> bool:
        return event.probability >= 1 or self.rng.random() < event.probability

    def partitioned(self, caller: str, callee: str) -> bool:
        """Are the two services on different sides of an active partition?"""
        for event in self.active():
            if event.kind != "partition":
                continue
            side_of = {s: i for i, g in enumerate(event.groups) for s in g}
            if caller in side_of and callee in side_of and side_of[caller] != side_of[callee]:
                return True
        return False

    def down(self, service: str) -> bool:
        return any(e.kind == "outage" and e.service == service for e in self.active())

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "running": bool(self.events),
            "elapsed": round(self.clock() - self.started, 3) if self.events else 0.0,
            "events": [e.as_dict() for e in self.events],
            "active": [e.as_dict() for e in self.active()],
            "scenarios": sorted(self.scenarios),
        }
