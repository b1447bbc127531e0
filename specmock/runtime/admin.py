"""The control plane under `/__specmock`, itself a specmock service.

Its contract is `admin.yaml` beside this module: requests to it are validated
and its answers checked like any other service's, through handlers registered on
the override API. Open to loopback clients; from anywhere else only with the token.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import datetime
from http.cookies import CookieError, Morsel, SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..generator.build import load_service
from ..generator.plan import Service
from . import console
from .cache import prometheus
from .cassette import Cassette, CassetteError
from .clock import VirtualClock, iso
from .faults import RuleError, parse_rule
from .fixtures import FixtureError, export_state, load_fixtures, reset_state
from .hooks import Context, Overrides, Reply
from .journal import Query
from .providers import status as provider_status
from .traffic import TrafficError

if TYPE_CHECKING:
    from .engine import Engine

PREFIX = "/__specmock"
_YEAR_1, _YEAR_9999 = -62135596800.0, 253402300799.0
NAME = "__specmock"
SPEC = Path(__file__).with_name("admin.yaml")


def load() -> Service:
    return load_service(SPEC, NAME)


def allowed(scope: dict, headers: dict[str, str], token: str | None) -> bool:
    """Loopback clients; others with the token as a Bearer header or, for a browser on the
    console, as the cookie the console sets (its page takes `?token=` once)."""
    client = scope.get("client") or ("127.0.0.1", 0)
    try:
        if ipaddress.ip_address(client[0]).is_loopback:
            return True
    except ValueError:
        if client[0] in ("testclient", "localhost"):
            return True
    if not token:
        return False
    given = headers.get("authorization", "").removeprefix("Bearer ")
    if not given and "cookie" in headers:
        try:
            given = SimpleCookie(headers["cookie"]).get(console.COOKIE, Morsel()).value or ""
        except CookieError:
            given = ""
    if not given and scope.get("path") == PREFIX + "/ui":
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
    return hmac.compare_digest(given.encode(), token.encode())


def _problem(status: int, detail: str) -> Reply:
    return Reply(
        {"type": "about:blank", "title": "Refused", "status": status, "detail": detail},
        status=status,
    )


def handlers(app: Engine) -> Overrides:
    """The admin operations, bound to one app."""
    table = Overrides()

    def on(operation_id: str):
        def register(fn: Any) -> Any:
            table.register(f"{NAME}:{operation_id}", fn)
            return fn

        return register

    def health(ctx: Context) -> Reply:
        return Reply({"status": "ok", "services": [s.name for s in app.services]})

    for name in ("health", "live"):
        on(name)(health)

    @on("ready")
    async def ready(ctx: Context) -> Reply:
        """Ready only while the state store answers (a memory store always does)."""
        check = getattr(app.store, "check", None)
        cause = await check() if check is not None else None
        if cause is None:
            return health(ctx)
        detail = f"the state store {app.store.name} is unavailable: {cause}"
        body = {
            "status": "unavailable",
            "services": [s.name for s in app.services],
            "detail": detail,
        }
        return Reply(body, status=503, headers={"Retry-After": "1"})

    @on("metrics")
    def metrics(ctx: Context) -> Reply:
        tiers = [t.stats() for t in app.responder.cache_tiers()]
        by_operation = app.responder.cache.by_operation
        extra = [*prometheus(tiers), *app.metrics.analytics.prometheus(by_operation)]
        return Reply(app.metrics.render() + "\n".join(extra) + "\n")

    @on("getCache")
    def get_cache(ctx: Context) -> Reply:
        return Reply({"tiers": [t.stats() for t in app.responder.cache_tiers()]})

    @on("purgeCache")
    def purge_cache(ctx: Context) -> Reply:
        return Reply({"purged": sum(t.purge() for t in app.responder.cache_tiers())})

    @on("getAnalytics")
    def get_analytics(ctx: Context) -> Reply:
        cache = app.responder.cache.by_operation
        return Reply({"operations": app.metrics.analytics.summary(cache)})

    @on("exportState")
    async def export(ctx: Context) -> Reply:
        return Reply(await export_state(app, ctx.params.get("service")))

    @on("resetState")
    async def reset(ctx: Context) -> Reply:
        await reset_state(app, ctx.params.get("service"))
        return Reply(status=204)

    @on("loadState")
    async def load_state(ctx: Context) -> Reply:
        try:
            return Reply({"stored": await load_fixtures(app, ctx.body)})
        except FixtureError as exc:  # names no service or resource specmock serves
            return _problem(404, str(exc))

    @on("getClock")
    def get_clock(ctx: Context) -> Reply:
        return Reply(_clock_state(app))

    @on("setClock")
    def set_clock(ctx: Context) -> Reply:
        try:
            apply_clock(app, ctx.body)
        except (ValueError, TypeError) as exc:
            return _problem(400, f"clock: {exc}")
        return Reply(_clock_state(app))

    @on("listFaults")
    def list_faults(ctx: Context) -> Reply:
        return Reply([r.as_dict() for r in app.faults.rules])

    @on("addFaults")
    @on("replaceFaults")
    def add_faults(ctx: Context) -> Reply:
        items = ctx.body if isinstance(ctx.body, list) else [ctx.body]
        replace = ctx.operation_id == "replaceFaults"
        start = 0 if replace else len(app.faults.rules)
        try:
            rules = [parse_rule(item, start + i) for i, item in enumerate(items)]
            kept = [] if replace else app.faults.rules
            ids = [r.id for r in [*kept, *rules]]
            if len(ids) != len(set(ids)):
                raise RuleError("rule ids must be unique")
        except RuleError as exc:
            return _problem(409 if "unique" in str(exc) else 400, str(exc))
        app.faults.set([*kept, *rules])
        return Reply([r.as_dict() for r in rules], status=200 if replace else 201)

    @on("clearFaults")
    def clear_faults(ctx: Context) -> Reply:
        app.faults.set([])
        return Reply(status=204)

    @on("deleteFault")
    def delete_fault(ctx: Context) -> Reply:
        rule_id = ctx.params["ruleId"]
        if app.faults.remove(rule_id):
            return Reply(status=204)
        return _problem(404, f"no rule {rule_id!r}")

    @on("listScenarios")
    def list_scenarios(ctx: Context) -> Reply:
        return Reply({"active": app.scenario, "scenarios": sorted(app.scenarios)})

    @on("activateScenario")
    async def switch(ctx: Context) -> Reply:
        name = ctx.params["name"]
        if name not in app.scenarios:
            known = ", ".join(sorted(app.scenarios)) or "none"
            return _problem(404, f"no scenario {name!r} (known: {known})")
        try:
            await activate(app, name)
        except (RuleError, FixtureError, ValueError, TypeError) as exc:
            return _problem(400, f"scenario {name!r}: {exc}")
        return Reply({"active": name, "scenarios": sorted(app.scenarios)})

    @on("listErrors")
    def list_errors(ctx: Context) -> Reply:
        from .failures import errors_by_service

        return Reply(errors_by_service(app.services, ctx.params.get("service")))

    @on("findRequests")
    def find_requests(ctx: Context) -> Reply:
        entries = app.journal.find(_query(ctx), ctx.params.get("limit")) if app.journal else []
        return Reply([e.as_dict() for e in entries])

    @on("countRequests")
    def count_requests(ctx: Context) -> Reply:
        return Reply({"count": len(app.journal.find(_query(ctx))) if app.journal else 0})

    @on("clearRequests")
    def clear_requests(ctx: Context) -> Reply:
        if app.journal:
            app.journal.clear()
        return Reply(status=204)

    @on("nearMisses")
    def near_misses(ctx: Context) -> Reply:
        templates = [
            (op.method, op.path, op.operation_id) for s in app.services for op in s.operations
        ]
        return Reply(app.journal.near_misses(templates) if app.journal else [])

    @on("replayRequest")
    async def replay(ctx: Context) -> Reply:
        entry = app.journal.get(ctx.params["entryId"]) if app.journal else None
        if entry is None:
            return _problem(404, f"no journal entry {ctx.params['entryId']}")
        replayed = await app.replay(entry)
        return Reply(replayed.as_dict()) if replayed else _problem(404, "the journal is off")

    @on("exportHar")
    def har(ctx: Context) -> Reply:
        return Reply(
            app.journal.har() if app.journal else {"log": {"version": "1.2", "entries": []}}
        )

    @on("listProviders")
    def providers(ctx: Context) -> Reply:
        origin = ctx.base_url.removesuffix(PREFIX)
        return Reply(provider_status(app, origin))

    _traffic_handlers(app, on)
    console.register(app, on, _problem)
    return table


def _traffic_handlers(app: Engine, on: Any) -> None:
    traffic = app.traffic

    def mode_state() -> dict[str, Any]:
        return {
            "mode": traffic.mode.value,
            "upstreams": traffic.upstreams,
            "cassette": str(traffic.cassette_file) if traffic.cassette_file else None,
            "recorded": len(traffic.cassette.exchanges),
        }

    @on("getMode")
    def get_mode(ctx: Context) -> Reply:
        return Reply(mode_state())

    @on("setMode")
    def set_mode(ctx: Context) -> Reply:
        before = (traffic.cassette, traffic.cassette_file)
        try:
            if ctx.body.get("cassette"):  # named at run time: record into it, or play it back
                file = Path(ctx.body["cassette"])
                traffic.cassette = Cassette.load(file, traffic.cassette.secret_names)
                traffic.cassette_file = file
            traffic.configure(ctx.body["mode"], ctx.body.get("upstreams"))
        except (CassetteError, OSError) as exc:  # not HAR, a folder, unreadable
            traffic.cassette, traffic.cassette_file = before
            return _problem(400, f"cassette: {exc}")
        except TrafficError as exc:
            traffic.cassette, traffic.cassette_file = before
            return _problem(409, str(exc))
        return Reply(mode_state())

    @on("getDrift")
    def get_drift(ctx: Context) -> Reply:
        return Reply(traffic.drift.summary())

    @on("clearDrift")
    def clear_drift(ctx: Context) -> Reply:
        traffic.drift.clear()
        return Reply(status=204)

    @on("exportCassette")
    def cassette(ctx: Context) -> Reply:
        return Reply(traffic.cassette.har())


def _query(ctx: Context) -> Query:
    p = ctx.params
    return Query(
        service=p.get("service"),
        operation=p.get("operation"),
        method=p.get("method"),
        path=p.get("path"),
        status=p.get("status"),
        since=p.get("since"),
        until=p.get("until"),
        matched=p.get("matched"),
        body={p["field"]: p.get("value", "")} if p.get("field") else {},
    )


def _clock_state(app: Engine) -> dict[str, Any]:
    clock = app.clock
    return {
        "now": iso(clock.now()),
        "epoch": clock.now(),
        "virtual": isinstance(clock, VirtualClock),
        "frozen": getattr(clock, "frozen", False),
    }


async def activate(app: Engine, name: str) -> None:
    """Switch to a scenario: its fault rules, its state fixtures, its clock, its service
    settings (`options`, over the `--option`s given at start, until the next switch)."""
    scenario = app.scenarios[name] or {}
    rules = [parse_rule(item, i) for i, item in enumerate(scenario.get("faults") or [])]
    options = scenario.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options must map setting names to values")
    if "fixtures" in scenario:
        await reset_state(app)
        await load_fixtures(app, scenario["fixtures"])
    if "clock" in scenario:
        apply_clock(app, scenario["clock"])
    app.faults.set(rules)
    if app.base_options is None:
        app.base_options = dict(app.options)
    base = app.base_options
    app.options.clear()  # in place: handlers hold this mapping
    app.options.update({**base, **{str(k).lower(): str(v) for k, v in options.items()}})
    app.scenario = name


def apply_clock(app: Engine, command: dict[str, Any]) -> None:
    clock = app.clock
    if not isinstance(clock, VirtualClock):
        clock = VirtualClock(clock.now(), frozen=False)
        app.set_clock(clock)
    target = clock.now()
    if "set" in command:
        when = command["set"]
        if isinstance(when, str):
            when = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
        target = float(when)
    target += float(command.get("advance", 0))
    if not _YEAR_1 <= target <= _YEAR_9999:
        raise ValueError("the clock must stay between the years 1 and 9999")
    if command.get("freeze"):  # before the move, so a frozen clock shows the exact time
        clock.freeze()  # asked for (several processes set to one time agree to the digit)
    if "set" in command or "advance" in command:
        clock.set(target)
    if command.get("resume"):
        clock.resume()
