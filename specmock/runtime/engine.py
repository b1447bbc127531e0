"""What the request stages and the control plane reach of a running app.

A Protocol rather than the app class itself: stages, the admin handlers and the
fixture loader depend on this page, and the app (which imports them to assemble
itself) satisfies it. So nothing below the app imports the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..generator.plan import Service
from .behaviours import Idempotency, RateLimiter
from .clock import Clock
from .crud import Crud
from .faults import Faults
from .hooks import Overrides
from .journal import Entry, Journal
from .metrics import Metrics
from .responder import Responder, Settings
from .router import Router
from .state import Store
from .traffic import Traffic
from .vhost import VirtualHost


class Engine(Protocol):
    """The parts of an app: every one is the app's own, shared by all its requests."""

    services: list[Service]
    settings: Settings
    responder: Responder
    store: Store
    clock: Clock
    crud: Crud
    overrides: Overrides  # the services' handlers
    admin_hooks: Overrides  # the control plane's handlers
    router: Router
    admin_router: Router
    virtual_hosts: list[VirtualHost]
    traffic: Traffic
    faults: Faults
    idempotency: Idempotency
    rate_limiter: RateLimiter | None
    journal: Journal | None
    metrics: Metrics
    options: dict[str, str]
    scenarios: dict[str, dict[str, Any]]
    header_scenarios: dict[str, Faults]  # the rules of scenarios named per request
    base_options: dict[str, str] | None  # the `--option`s before a scenario set its own
    scenario: str | None
    max_body: int
    quiet: bool

    def mount_prefix(self, name: str) -> str:
        """Where a service is served: "" when alone, else `/<name>`."""
        ...

    def set_clock(self, clock: Clock) -> None: ...

    async def replay(self, entry: Entry) -> Entry | None: ...

    def handler_links(self) -> dict[str, Any]:
        """What a handler's Context reaches of the app beyond its request."""
        ...

    def on_shutdown(self, action: Callable[[], Awaitable[None]]) -> None: ...
