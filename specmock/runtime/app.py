"""The ASGI application: assembly and lifecycle. The request path is `pipeline.py`.

An app owns its parts (responder, store, clock, faults, journal, ...), mounts its
services on a router, reloads changed specs and override files, and runs start-up
and shutdown actions. Every request goes through `Pipeline`.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import logging
import os
from collections.abc import Awaitable, Callable
from random import Random
from typing import Any

from ..generator.build import build_service
from ..generator.errors import Problem, SpecError
from ..generator.loader import load_document
from ..generator.plan import Service
from . import admin, limits, vhost
from .behaviours import Idempotency, RateLimiter, parse_limits
from .clock import Clock, RealClock
from .crud import Crud
from .faults import Faults
from .fixtures import load_fixtures
from .hooks import Overrides
from .journal import Entry, Journal
from .metrics import Metrics
from .pipeline import Pipeline
from .responder import Responder, Settings
from .router import Router
from .state import MemoryStore, Store
from .traffic import Traffic

log = logging.getLogger("specmock")
MAX_BODY = limits.MAX_BODY


class SpecmockApp:
    """Serves compiled services; every request ends in a response, never a crash."""

    def __init__(
        self,
        services: list[Service],
        settings: Settings | None = None,
        quiet: bool = False,
        max_body: int = MAX_BODY,
        store: Store | None = None,
        clock: Clock | None = None,
        overrides: Overrides | None = None,
        journal_size: int = 1000,
    ):
        self.services = services
        self.settings = settings or Settings()
        self.responder = Responder(self.settings)
        self.store: Store = store or MemoryStore()
        self.clock: Clock = clock or RealClock()
        self.crud = Crud(self.store, self.clock, self.responder)
        self.overrides = overrides or Overrides()
        self.traffic = Traffic()  # mock, or proxy/record/playback/hybrid
        self.options: dict[str, str] = {}  # service settings, `--option name=value`
        self._startup_actions: list[Callable[[], Awaitable[None]]] = []
        self._shutdown_actions: list[Callable[[], Awaitable[None]]] = []
        self.admin_hooks = admin.handlers(self)
        self.admin_router = Router()
        self.admin_router.mount(admin.PREFIX, admin.load())
        self.journal: Journal | None = Journal(journal_size) if journal_size else None
        self.metrics = Metrics()
        self.faults = Faults(self.settings.seed)
        self.idempotency = Idempotency(now=lambda: self.clock.now())
        rule = self.settings.rate_limit
        self.rate_limiter = (
            RateLimiter(parse_limits(rule), lambda: self.clock.now()) if rule else None
        )
        if self.rate_limiter is not None:
            _check_targets(self.rate_limiter.rules, services)
        self.scenarios: dict[str, dict[str, Any]] = {}
        self.header_scenarios: dict[str, Faults] = {}  # X-Specmock-Scenario rules, per name
        self.base_options: dict[str, str] | None = None  # `options` before any scenario
        self.scenario: str | None = None
        self.initial_scenario: str | None = None  # activated at start-up
        self._builtin_overrides()
        self.router = Router()
        self.virtual_hosts: list[vhost.VirtualHost] = []
        self.watch_interval: float | None = None  # seconds; set to reload changed files
        self.watch_specs = False
        self._mtimes = {s.document.file: _mtime(s.document.file) for s in services}
        self._watcher: asyncio.Task[None] | None = None
        self.fixtures: list[dict[str, Any]] = []  # loaded into the store before the first answer
        self._started = False
        self.quiet = quiet
        self.max_body = max_body
        self._ids = Random(self.settings.seed)
        self.pipeline = Pipeline(self, self._request_id)
        self._mount_all()

    async def startup(self) -> None:
        """Load fixtures once; runs at lifespan start-up or before the first request."""
        if self._started:
            return
        self._started = True
        for data in self.fixtures:
            await load_fixtures(self, data)
        if self.initial_scenario:
            await admin.activate(self, self.initial_scenario)
        for action in self._startup_actions:
            await action()

    def on_startup(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` when the server starts (listeners beside HTTP, restored work)."""
        self._startup_actions.append(action)

    def on_shutdown(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` when the server stops (close clients, cancel background tasks)."""
        self._shutdown_actions.append(action)

    def handler_links(self) -> dict[str, Any]:
        """What a handler's Context reaches of the app beyond its request."""
        return {
            "options": self.options,
            "_app_clock": lambda: self.clock,
            "_on_shutdown": self.on_shutdown,
        }

    def mount_prefix(self, name: str) -> str:
        """Where a service is served: at the root when it is alone, else under `/<name>`."""
        return "" if len(self.services) == 1 else f"/{name}"

    def add_admin(self, prefix: str, service: Service, handlers: dict[str, Any]) -> None:
        """Mount more control-plane operations under /__specmock: a contract of their own
        (named like the admin service, so they are validated and left out of faults, metrics
        and the journal the same way) answered by `handlers` keyed by operationId."""
        if service.name != admin.NAME:
            raise ValueError(f"an admin extension must be named {admin.NAME!r}")
        self.admin_router.mount(admin.PREFIX + prefix, service)
        for operation_id, handler in handlers.items():
            self.admin_hooks.register(f"{admin.NAME}:{operation_id}", handler)

    def set_clock(self, clock: Clock) -> None:
        """Swap the clock everything reads (the admin API does this to go virtual)."""
        self.clock = clock
        self.crud.clock = clock
        self.responder.cache.settled.forget()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # e.g. fixtures that do not fit the services
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                if self.watch_interval:
                    self._watcher = asyncio.create_task(self._watch(self.watch_interval))
                _settle()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._watcher is not None:
                    self._watcher.cancel()
                for action in self._shutdown_actions:
                    try:
                        await action()
                    except Exception:
                        log.exception("a shutdown action failed")
                await self.store.close()
                await self.traffic.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.overrides.reload_changed()
            if self.watch_specs:
                self.reload_specs()

    def reload_specs(self) -> list[str]:
        """Recompile specs whose file changed and swap them in; state is kept.

        A spec that no longer loads keeps its previous version running, and says why.
        """
        changed = []
        services = list(self.services)
        for i, service in enumerate(services):
            file = service.document.file
            mtime = _mtime(file)
            if mtime == self._mtimes.get(file, mtime):
                self._mtimes[file] = mtime
                continue
            self._mtimes[file] = mtime
            try:
                services[i] = build_service(load_document(file, service.name))
            except SpecError as exc:
                log.error(
                    "%s changed but does not load; still serving the previous version:\n%s",
                    file,
                    exc,
                )
                continue
            changed.append(file)
        if changed:
            previous = self.services
            self.services = services
            try:
                self._mount_all()
            except SpecError as exc:
                self.services = previous
                log.error("reloaded specs conflict; keeping the previous ones:\n%s", exc)
                return []
            log.info("reloaded %s", ", ".join(changed))
            gc.unfreeze()  # the replaced specs may go now
            _settle()
        return changed

    def _builtin_overrides(self) -> None:
        """Vendor modules in specmock.overrides apply to the service of the same name; one
        that defines `install(app)` is also handed the app once (to add start-up actions)."""
        for service in self.services:
            name = f"specmock.overrides.{service.name}"
            if importlib.util.find_spec(name) is not None:
                module = importlib.import_module(name)
                self.overrides.add(module)
                install = getattr(module, "install", None)
                if callable(install):  # a vendor module that needs the app (a listener)
                    install(self)

    def _mount_all(self) -> None:
        """Build a new router for the current services and swap it in at once."""
        router = Router()
        names: dict[str, Service] = {}
        problems_found: list[Problem] = []
        for service in self.services:
            if service.name in names:
                reason = f"service name {service.name!r} is used by two specs"
                problems_found.append(Problem(service.document.file, "/info", reason))
                continue
            names[service.name] = service
            prefix = self.mount_prefix(service.name)
            prefixes = [prefix + service.base_path] if service.base_path else []
            prefixes.append(prefix)
            for mount in prefixes:
                if router.mount(mount, service) and mount:
                    reason = f"prefix {mount!r} is mounted twice"
                    problems_found.append(Problem(service.document.file, "", reason))
        if problems_found:
            raise SpecError(problems_found)
        self.router = router
        self.pipeline.reset()
        self.virtual_hosts = [
            vhost.VirtualHost(self.mount_prefix(service.name), str(domain).lower())
            for service in self.services
            for domain in service.document.root.get(vhost.EXTENSION) or []
        ]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if not self._started:
            await self.startup()
        await self.pipeline(scope, receive, send)

    async def replay(self, entry: Entry) -> Entry | None:
        """Send a recorded request through the app again; the new journal entry."""
        scope = {
            "type": "http",
            "method": entry.method,
            "path": entry.path,
            "raw_path": entry.path.encode(),
            "root_path": "",
            "scheme": "http",
            "query_string": entry.query.encode("latin-1"),
            "client": ("127.0.0.1", 0),
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in entry.request_headers.items()
                if k not in ("content-length", "x-request-id")
            ],
        }
        body = entry.raw_body
        scope["headers"].append((b"content-length", str(len(body)).encode()))

        async def discard(message: dict) -> None:
            return None

        await self(scope, limits.replay(body), discard)
        found = self.journal.find() if self.journal else []
        return found[-1] if found else None

    def _request_id(self) -> str:
        """A UUID-shaped id from the seeded generator: same seed, same ids, same bytes."""
        h = f"{self._ids.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _check_targets(rules: dict[str, Any], services: list[Service]) -> None:
    known = {s.name for s in services} | {op.operation_id for s in services for op in s.operations}
    unknown = sorted(t for t in rules if t and t not in known)
    if unknown:
        raise ValueError(f"rate limit for {', '.join(unknown)}: no such service or operationId")


def _settle() -> None:
    """What is loaded when serving begins (specs, compiled validators, modules) lives as
    long as the server: it is moved out of the garbage collector's sight, so a full
    collection scans only what requests leave behind. With a large spec loaded (OpenAI's),
    one full collection took ~90 ms and came every few thousand requests. Garbage is
    collected first, so none of it is kept for good."""
    gc.collect()
    gc.freeze()


def _mtime(file: str) -> float:
    try:
        return os.stat(file).st_mtime
    except OSError:
        return 0.0
