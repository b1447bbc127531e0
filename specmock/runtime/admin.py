"""The control plane under `/__specmock`: state and clock for tests to drive.

Open to loopback clients; from anywhere else only with the admin token.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson

from . import problems
from .clock import VirtualClock, iso
from .faults import RuleError, parse_rule
from .fixtures import FixtureError, export_state, load_fixtures, reset_state
from .journal import Query
from .responder import Outgoing
from .validation import Violation

if TYPE_CHECKING:
    from .app import SpecmockApp

PREFIX = "/__specmock"


def _json(status: int, data: Any) -> Outgoing:
    return Outgoing(status, orjson.dumps(data), "application/json")


def _problem(status: int, where: str, rule: str, message: str) -> Outgoing:
    body = problems.problem(status, [Violation("body", where, rule, message)])
    return Outgoing(status, orjson.dumps(body), problems.PROBLEM_TYPE)


def allowed(scope: dict, headers: dict[str, str], token: str | None) -> bool:
    client = scope.get("client") or ("127.0.0.1", 0)
    try:
        if ipaddress.ip_address(client[0]).is_loopback:
            return True
    except ValueError:
        if client[0] in ("testclient", "localhost"):
            return True
    return bool(token) and headers.get("authorization", "") == f"Bearer {token}"


async def handle(
    app: SpecmockApp, scope: dict, receive: Any, path: str, headers: dict[str, str]
) -> Outgoing:
    if not allowed(scope, headers, app.settings.admin_token):
        return _problem(403, "/", "admin", "the admin API answers loopback clients or the token")
    method = scope["method"]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    service = (query.get("service") or [None])[-1]
    route = path[len(PREFIX) :].rstrip("/") or "/"
    if route in ("/health", "/health/live", "/health/ready") and method == "GET":
        return _json(200, {"status": "ok", "services": [s.name for s in app.services]})
    if route == "/metrics" and method == "GET":
        return Outgoing(200, app.metrics.render().encode(), "text/plain; version=0.0.4")
    if route == "/faults" or route.startswith("/faults/"):
        return await _faults(app, method, route, receive)
    if route == "/scenarios" or route.startswith("/scenarios/"):
        return await _scenarios(app, method, route)
    if route.startswith("/requests"):
        return await _requests(app, method, route, query, receive)
    if route == "/state":
        return await _state(app, method, service, receive)
    if route == "/clock":
        return await _clock(app, method, receive)
    return _problem(404, path, "path", f"no admin endpoint {method} {path}")


async def _faults(app: SpecmockApp, method: str, route: str, receive: Any) -> Outgoing:
    faults = app.faults
    if route == "/faults":
        if method == "GET":
            return _json(200, [r.as_dict() for r in faults.rules])
        if method == "DELETE":
            faults.set([])
            return Outgoing(204, b"", None)
        if method in ("POST", "PUT"):
            try:
                data = await _body(receive)
                items = data if isinstance(data, list) else [data]
                rules = [parse_rule(item, i + len(faults.rules)) for i, item in enumerate(items)]
                if method == "PUT":
                    faults.set([])
                for rule in rules:
                    faults.add(rule)
            except orjson.JSONDecodeError as exc:
                return _problem(400, "/", "syntax", f"body is not JSON: {exc}")
            except (RuleError, TypeError) as exc:
                return _problem(400, "/", "rule", str(exc))
            return _json(201 if method == "POST" else 200, [r.as_dict() for r in rules])
        return _problem(405, route, "method", "faults take GET, POST, PUT or DELETE")
    rule_id = route.split("/", 2)[2]
    if method == "DELETE":
        if faults.remove(rule_id):
            return Outgoing(204, b"", None)
        return _problem(404, route, "exists", f"no rule {rule_id!r}")
    return _problem(405, route, "method", "a rule takes DELETE")


async def _scenarios(app: SpecmockApp, method: str, route: str) -> Outgoing:
    if route == "/scenarios" and method == "GET":
        return _json(200, {"active": app.scenario, "scenarios": sorted(app.scenarios)})
    if method != "POST" or route == "/scenarios":
        return _problem(405, route, "method", "POST /__specmock/scenarios/{name} switches")
    name = route.split("/", 2)[2]
    if name not in app.scenarios:
        return _problem(
            404,
            route,
            "exists",
            f"no scenario {name!r} (known: {', '.join(sorted(app.scenarios)) or 'none'})",
        )
    try:
        await activate(app, name)
    except (RuleError, FixtureError, ValueError) as exc:
        return _problem(400, route, "scenario", f"scenario {name!r}: {exc}")
    return _json(200, {"active": name})


async def activate(app: SpecmockApp, name: str) -> None:
    """Switch to a scenario: its fault rules, its state fixtures, its clock."""
    scenario = app.scenarios[name] or {}
    rules = [parse_rule(item, i) for i, item in enumerate(scenario.get("faults") or [])]
    if "fixtures" in scenario:
        await reset_state(app)
        await load_fixtures(app, scenario["fixtures"])
    if "clock" in scenario:
        _apply(app, scenario["clock"])
    app.faults.set(rules)
    app.scenario = name


def _journal_query(query: dict[str, list[str]]) -> Query:
    def one(name: str) -> str | None:
        return (query.get(name) or [None])[-1]

    def number(name: str) -> float | None:
        value = one(name)
        return float(value) if value not in (None, "") else None

    status = one("status")
    matched = one("matched")
    return Query(
        service=one("service"),
        operation=one("operation"),
        method=one("method"),
        path=one("path"),
        status=int(status) if status else None,
        since=number("since"),
        until=number("until"),
        matched=None if matched is None else matched.lower() == "true",
        body={k[5:]: v[-1] for k, v in query.items() if k.startswith("body.")},
    )


async def _requests(
    app: SpecmockApp, method: str, route: str, query: dict[str, list[str]], receive: Any
) -> Outgoing:
    journal = app.journal
    if journal is None:
        return _problem(404, route, "journal", "the journal is off (journal_size=0)")
    if route == "/requests" and method == "DELETE":
        journal.clear()
        return Outgoing(204, b"", None)
    if method != "GET":
        return _problem(405, route, "method", f"{route} takes GET")
    try:
        filters = _journal_query(query)
    except ValueError as exc:
        return _problem(400, "/", "query", f"bad filter: {exc}")
    if route == "/requests":
        limit = (query.get("limit") or [None])[-1]
        entries = journal.find(filters, int(limit) if limit and limit.isdigit() else None)
        return _json(200, [e.as_dict() for e in entries])
    if route == "/requests/count":
        return _json(200, {"count": len(journal.find(filters))})
    if route == "/requests/unmatched":
        templates = [
            (op.method, op.path, op.operation_id) for s in app.services for op in s.operations
        ]
        return _json(200, journal.near_misses(templates))
    if route == "/requests/har":
        return _json(200, journal.har())
    return _problem(404, route, "path", f"no admin endpoint GET {route}")


async def _body(receive: Any) -> Any:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    raw = b"".join(chunks)
    return orjson.loads(raw) if raw else {}


async def _state(app: SpecmockApp, method: str, service: str | None, receive: Any) -> Outgoing:
    if method == "GET":
        return _json(200, await export_state(app, service))
    if method == "DELETE":
        await reset_state(app, service)
        return Outgoing(204, b"", None)
    if method == "POST":
        try:
            stored = await load_fixtures(app, await _body(receive))
        except orjson.JSONDecodeError as exc:
            return _problem(400, "/", "syntax", f"body is not JSON: {exc}")
        except FixtureError as exc:
            return _problem(400, "/", "fixtures", str(exc))
        return _json(200, {"stored": stored})
    return _problem(405, "/", "method", "state takes GET, POST or DELETE")


async def _clock(app: SpecmockApp, method: str, receive: Any) -> Outgoing:
    if method == "POST":
        try:
            command = await _body(receive)
            _apply(app, command if isinstance(command, dict) else {})
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            return _problem(400, "/", "clock", f"expected freeze/resume/advance/set: {exc}")
    elif method != "GET":
        return _problem(405, "/", "method", "clock takes GET or POST")
    clock = app.clock
    return _json(
        200,
        {
            "now": iso(clock.now()),
            "epoch": clock.now(),
            "virtual": isinstance(clock, VirtualClock),
            "frozen": getattr(clock, "frozen", False),
        },
    )


def _apply(app: SpecmockApp, command: dict[str, Any]) -> None:
    clock = app.clock
    if not isinstance(clock, VirtualClock):
        clock = VirtualClock(clock.now(), frozen=False)
        app.set_clock(clock)
    if "set" in command:
        when = command["set"]
        if isinstance(when, str):
            when = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
        clock.set(float(when))
    if "advance" in command:
        clock.advance(float(command["advance"]))
    if command.get("freeze"):
        clock.freeze()
    if command.get("resume"):
        clock.resume()
