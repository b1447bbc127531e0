"""Building an app from spec sources: the one entry point the CLI and tests share."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..generator.build import build_service
from ..generator.errors import Problem, SpecError
from ..generator.loader import load_document
from ..generator.plan import Service
from ..generator.progress import Progress
from ..generator.recognize import edited_collections, recognize
from ..generator.roles import Role
from ..generator.sources import expand
from .app import SpecmockApp
from .behaviours import SharedIdempotency, SharedRateLimiter
from .cassette import Cassette
from .catalogue import CatalogueError, from_spec
from .clock import Clock
from .failures import presets
from .faults import parse_rule
from .fixtures import FixtureError, read_fixtures, read_yaml
from .hooks import Overrides
from .limits import Limits
from .responder import Settings
from .state import Store, open_store
from .state.guard import Guarded, display
from .traffic import parse_upstreams

log = logging.getLogger("specmock")


def load_services(
    sources: list[str | Path | dict[str, Any]],
    eager: bool | None = None,
    strict_spec: bool = False,
    progress: Progress | None = None,
) -> list[Service]:
    """Load every spec, reporting the problems of all of them at once.

    Servable defects are warnings (kept on `Service.problems`) unless `strict_spec`.
    """
    services: list[Service] = []
    problems = []
    files: list[Any] = []
    paths = [s for s in sources if not isinstance(s, dict)]
    files.extend(expand(paths))
    files.extend(s for s in sources if isinstance(s, dict))
    for source in files:
        try:
            doc = load_document(source, progress=progress)
            services.append(build_service(doc, eager, strict_spec, progress))
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return services


def create_app(
    specs: str | Path | dict[str, Any] | list[str | Path | dict[str, Any]],
    seed: int | None = 0,
    strict: bool = True,
    quiet: bool = False,
    eager: bool | None = None,
    max_depth: int = 5,
    credentials: list[str] | None = None,
    cache_size: int = 4096,
    stateful: bool = True,
    state: str | None = None,
    clock: Clock | None = None,
    overrides: list[str | Path] | None = None,
    data: list[str | Path | dict[str, Any]] | None = None,
    faults: list[str | Path | list[dict[str, Any]]] | None = None,
    scenarios: list[str | Path | dict[str, Any]] | None = None,
    admin_token: str | None = None,
    rate_limit: str | None = None,
    journal_size: int = 1000,
    journal_file: str | Path | None = None,
    mode: str = "mock",
    upstreams: list[str] | None = None,
    cassette: str | Path | None = None,
    drift_report: str | Path | None = None,
    options: dict[str, str] | None = None,
    limits: Limits | None = None,
    allow_upstreams: list[str] | None = None,
    strict_spec: bool = False,
    progress: Progress | None = None,
    quality: str = "realistic",
    min_confidence: float | None = None,
    cache: str | None = None,
    cache_ttl: float = 300.0,
) -> SpecmockApp:
    """An ASGI app serving the given specs (paths, folders, bundled names or parsed mappings).

    `state` is a store URL (`memory://`, `sqlite:///file.db`, `redis://host:port/0`);
    `stateful=False` answers every operation with generated data instead.
    `strict_spec` refuses specs with servable defects (otherwise warnings on
    `service.problems`). `mode` is mock, proxy, record, playback or hybrid (see
    `runtime/traffic.py`); `upstreams` are `URL` or `service=URL`; `cassette` is a HAR
    file; `drift_report` a JSON file; `quality` is basic, realistic, production or exact
    (docs/quality.md); operations recognized with less than `min_confidence` are served
    without state; `cache` (`sqlite:///PATH` or `redis://HOST:PORT/DB`) is an answer tier
    shared between processes, each answer kept `cache_ttl` seconds.
    """
    sources = specs if isinstance(specs, list) else [specs]
    services = load_services(sources, eager, strict_spec, progress)
    if min_confidence is not None:
        unsure(services, min_confidence)
    settings = Settings(
        seed=seed or 0,
        strict=strict,
        max_depth=max_depth,
        credentials=frozenset(credentials or ()),
        cache_size=cache_size,
        stateful=stateful,
        admin_token=admin_token,
        rate_limit=rate_limit,
        quality=quality,
        cache=cache,
        cache_ttl=cache_ttl,
    )
    app = SpecmockApp(
        services,
        settings,
        quiet=quiet,
        store=_store(state),
        clock=clock,
        overrides=Overrides(overrides),
        journal_size=journal_size,
    )
    if app.journal is not None and journal_file:
        app.journal.file = Path(journal_file)
    app.fixtures = [d if isinstance(d, dict) else read_fixtures(d) for d in data or []]
    for source in faults or []:
        rules = read_yaml(source) if not isinstance(source, list) else source
        if not isinstance(rules, list):
            raise FixtureError(f"{source}: fault rules must be a list")
        app.faults.set([*app.faults.rules, *(parse_rule(r, i) for i, r in enumerate(rules))])
    _check_named_errors(app.services)
    app.scenarios.update(presets(app.services))  # each service's own; a user's file wins
    for source in scenarios or []:
        found = read_yaml(source) if not isinstance(source, dict) else source
        if not isinstance(found, dict):
            raise FixtureError(f"{source}: scenarios must be a mapping of name → scenario")
        app.scenarios.update(found)
    _traffic(app, mode, upstreams, cassette, drift_report)
    app.traffic.lock(allow_upstreams or [])
    app.options = {k.lower(): v for k, v in (options or {}).items()}
    if isinstance(app.store, Guarded):  # shared by other processes: so are these
        app.idempotency = SharedIdempotency(app.store, lambda: app.clock.now())
        if app.rate_limiter is not None:
            limiter = app.rate_limiter
            app.rate_limiter = SharedRateLimiter(limiter.rules, limiter.now, app.store)
    if limits is not None:
        app.max_body = limits.max_body
        app.faults.max_delay_ms = limits.max_delay_ms
        app.idempotency.ttl = limits.idempotency_ttl
        if app.journal is not None:
            app.journal.max_bytes = limits.journal_bytes
    return app


def _store(url: str | None) -> Store:
    """The store for `url`; one outside this process is guarded (an outage answers 503)."""
    store = open_store(url)
    if not url or url.startswith("memory"):
        return store
    return Guarded(store, display(url))


def unsure(services: list[Service], threshold: float) -> list[str]:
    """Stateful operations recognized below `threshold` lose their state (a wrong guess
    about a resource is worse than generated answers); each is named in a warning."""
    demoted = []
    for service in services:
        edited = edited_collections(service)
        for op in service.operations:
            role = op.role
            if role is None or not role.stateful or "x-specmock-kind" in op.extensions:
                continue
            found = recognize(op, edited)
            if found.confidence < threshold:
                op.role = Role(role.kind)
                demoted.append(f"{service.name}:{op.operation_id}")
                log.warning(
                    "%s:%s recognized as %s with confidence %.3g < %g: served without state",
                    service.name,
                    op.operation_id,
                    found.pattern,
                    found.confidence,
                    threshold,
                )
    return demoted


def _traffic(
    app: SpecmockApp,
    mode: str,
    upstreams: list[str] | None,
    cassette: str | Path | None,
    drift_report: str | Path | None,
) -> None:
    traffic = app.traffic
    if cassette:
        traffic.cassette_file = Path(cassette)
        traffic.cassette = Cassette.load(cassette, secret_names(app.services))
    if drift_report:
        traffic.drift.file = Path(drift_report)
    traffic.configure(mode, parse_upstreams(upstreams or []))


def secret_names(services: list[Service]) -> frozenset[str]:
    """Header, query and cookie names the specs' apiKey schemes carry credentials in."""
    return frozenset(
        scheme["name"]
        for service in services
        for scheme in service.security_schemes.values()
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and "name" in scheme
    )


def _check_named_errors(services: list[Service]) -> None:
    """A spec's `x-specmock-errors` that cannot work stops the start, naming the entry."""
    found = []
    for service in services:
        try:
            from_spec(service.name, service.document.root)
        except CatalogueError as exc:
            found.append(Problem(service.document.file, exc.pointer, exc.reason))
    if found:
        raise SpecError(found)
