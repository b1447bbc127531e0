"""Service registry: instances with metadata and TTL health checks.

Lookups read the registry directly (one process), so a registration is visible
to the next lookup; every change bumps an index that blocking queries wait on,
as Consul's do. TTL checks expire against the mesh clock, evaluated when read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .topology import MeshError

PASSING, WARNING, CRITICAL = "passing", "warning", "critical"
CHECK_STATES = (PASSING, WARNING, CRITICAL)


class RegistryError(MeshError):
    """A registration that cannot work, naming the field."""


@dataclass
class Check:
    id: str
    name: str
    service_id: str
    ttl: float | None = None  # seconds; None: set by hand only
    status: str = CRITICAL
    output: str = ""
    updated: float = 0.0


@dataclass
class Instance:
    id: str
    name: str
    address: str
    port: int
    tags: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)


class Registry:
    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.instances: dict[str, Instance] = {}
        self.index = 1
        self._changed = asyncio.Event()
        self.log: list[tuple[float, str]] = []  # (clock, what changed), for the visibility bench

    def _bump(self, what: str) -> None:
        self.index += 1
        self.log = [*self.log[-99:], (self.clock(), what)]
        self._changed.set()
        self._changed = asyncio.Event()

    def register(self, instance: Instance) -> Instance:
        if not instance.name:
            raise RegistryError("Name: a service needs a name")
        instance.id = instance.id or instance.name
        self.instances[instance.id] = instance
        self._bump(f"register {instance.id}")
        return instance

    def deregister(self, service_id: str) -> bool:
        found = self.instances.pop(service_id, None) is not None
        if found:
            self._bump(f"deregister {service_id}")
        return found

    def check(self, check_id: str) -> Check | None:
        for instance in self.instances.values():
            for check in instance.checks:
                if check.id == check_id:
                    return check
        return None

    def update_check(self, check_id: str, status: str, output: str = "") -> bool:
        if status not in CHECK_STATES:
            raise RegistryError(f"Status: must be one of {', '.join(CHECK_STATES)}")
        check = self.check(check_id)
        if check is None:
            return False
        check.status, check.output, check.updated = status, output, self.clock()
        self._bump(f"check {check_id} {status}")
        return True

    def status(self, check: Check) -> str:
        """A TTL check not refreshed within its TTL is critical, whatever it said last."""
        if check.ttl is not None and self.clock() > check.updated + check.ttl:
            return CRITICAL
        return check.status

    def health(self, instance: Instance) -> str:
        states = [self.status(c) for c in instance.checks]
        for state in (CRITICAL, WARNING):
            if state in states:
                return state
        return PASSING

    def lookup(self, name: str, passing_only: bool = True) -> list[Instance]:
        found = [i for i in self.instances.values() if i.name == name]
        if passing_only:
            found = [i for i in found if self.health(i) == PASSING]
        return sorted(found, key=lambda i: i.id)

    def names(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for instance in self.instances.values():
            tags = out.setdefault(instance.name, [])
            tags.extend(t for t in instance.tags if t not in tags)
        return dict(sorted(out.items()))

    async def wait(self, index: int, seconds: float) -> None:
        """Block until the index moves past `index` or the time is up (blocking queries)."""
        if self.index > index:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)


def parse_duration(value: Any, where: str) -> float:
    """Consul durations: "10s", "500ms", "1m", "2h" (or a plain number of seconds)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * units[unit]
            except ValueError:
                break
    raise RegistryError(f"{where}: a duration such as 10s, 500ms or 1m")


def from_consul(body: Any, clock: Callable[[], float]) -> Instance:
    """An Instance from a Consul agent service registration (field names in any case)."""
    if not isinstance(body, dict):
        raise RegistryError("body: a service registration is a JSON object")
    data = {k.lower(): v for k, v in body.items()}
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise RegistryError("Name: a service needs a name")
    service_id = str(data.get("id") or name)
    port = data.get("port") or 0
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise RegistryError("Port: must be a whole number from 0 to 65535")
    checks = list(data.get("checks") or [])
    if data.get("check"):
        checks.insert(0, data["check"])
    instance = Instance(
        service_id,
        name,
        str(data.get("address") or "127.0.0.1"),
        port,
        [str(t) for t in data.get("tags") or []],
        {str(k): str(v) for k, v in (data.get("meta") or {}).items()},
    )
    for i, raw in enumerate(checks):
        raw = {k.lower(): v for k, v in (raw or {}).items()}
        check_id = raw.get("checkid") or raw.get("id")
        if not check_id:
            check_id = (
                f"service:{service_id}" if len(checks) == 1 else f"service:{service_id}:{i + 1}"
            )
        ttl = parse_duration(raw["ttl"], f"Checks[{i}].TTL") if raw.get("ttl") else None
        status = str(raw.get("status") or CRITICAL)
        if status not in CHECK_STATES:
            raise RegistryError(f"Checks[{i}].Status: must be one of {', '.join(CHECK_STATES)}")
        instance.checks.append(
            Check(
                str(check_id),
                str(raw.get("name") or f"Service '{name}' check"),
                service_id,
                ttl,
                status,
                "",
                clock(),
            )
        )
    return instance
