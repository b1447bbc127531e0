"""The ASGI application: match, check, answer, log. Nothing here walks the spec."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import importlib.util
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from random import Random
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request, cookie_parser

from ..generator.build import build_service
from ..generator.errors import Problem, SpecError
from ..generator.loader import load_document
from ..generator.params import MISSING, RawRequest
from ..generator.plan import Operation, Service
from . import admin, hooks, logs, problems, sse, vhost
from .behaviours import Idempotency, RateLimiter, parse_limits
from .clock import Clock, RealClock
from .crud import Call, Crud
from .faults import CONNECTION_FAULTS, Decision, Faults, RuleError, Target
from .fixtures import load_fixtures
from .hooks import Context, Overrides, Reply, UploadedFile
from .journal import BODY_LIMIT, Entry, Journal
from .metrics import Metrics
from .negotiation import Preference, parse_prefer
from .relay import through, unmatched
from .responder import Echo, Outgoing, Responder, Settings, status_number, to_reply
from .router import Match, Router, without_marker
from .state import MemoryStore, Store
from .traffic import Mode, Traffic
from .validation import (
    Rejection,
    Violation,
    check_body,
    check_params,
    check_security,
    coerce_form,
    parse_body,
    select_body_media,
)
from .wire import send_answer, send_fault

log = logging.getLogger("specmock")
MAX_BODY = 10 * 1024 * 1024
_ECHO_METHODS = ("POST", "PUT", "PATCH")
_CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "*")]


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
        self._shutdown_actions: list[Callable[[], Awaitable[None]]] = []
        self._startup_actions: list[Callable[[], Awaitable[None]]] = []
        self.admin_hooks = admin.handlers(self)
        self.admin_router = Router()
        self.admin_router.mount(admin.PREFIX, admin.load())
        self.journal: Journal | None = Journal(journal_size) if journal_size else None
        self.metrics = Metrics()
        self.faults = Faults(self.settings.seed)
        self.idempotency = Idempotency()
        rule = self.settings.rate_limit
        self.rate_limiter = (
            RateLimiter(parse_limits(rule), lambda: self.clock.now()) if rule else None
        )
        if self.rate_limiter is not None:
            _check_targets(self.rate_limiter.rules, services)
        self.scenarios: dict[str, dict[str, Any]] = {}
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
        """Run `action` when the server starts (listeners of a service's own, such as SMTP)."""
        self._startup_actions.append(action)

    def on_shutdown(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` when the server stops."""
        self._shutdown_actions.append(action)

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
        started = time.perf_counter()
        if not self._started:
            await self.startup()
        headers = _headers(scope)
        request_id = headers.get("x-request-id") or self._request_id()
        chunks: list[bytes] = []
        if self.journal is not None:
            receive = _tee(receive, chunks)
        try:
            out = await self.handle(scope, receive, headers)
        except Exception:  # the last line of defence: a bug must not drop the connection
            log.exception("internal error on %s %s", scope["method"], scope["path"])
            body = problems.problem(500, [], "specmock hit an internal error; see its log")
            out = Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE)
        scope["specmock.status"] = out.status  # for layers around the app (the mesh)
        scope["specmock.fault"] = out.fault
        if "origin" in headers and out.status != 204:
            out = dataclasses.replace(out, headers=[*out.headers, *_CORS])
        if out.fault in CONNECTION_FAULTS:
            if not await send_fault(send, receive, out, request_id, out.fault, out.fault_seconds):
                detail = f"fault {out.fault} needs a real server connection"
                out = Outgoing(
                    500,
                    orjson.dumps(problems.problem(500, [], detail)),
                    problems.PROBLEM_TYPE,
                    operation=out.operation,
                    fault=out.fault,
                    delay_ms=out.delay_ms or scope.get("specmock.delay_ms", 0.0),
                )
                await send_answer(send, out, request_id, False)
        else:
            await send_answer(send, out, request_id, scope["method"] == "HEAD", receive)
        ms = (time.perf_counter() - started) * 1000
        if not scope["path"].startswith(admin.PREFIX):
            op = out.operation
            self.metrics.observe(
                op.service if op else "-",
                op.operation_id if op else "-",
                scope["method"],
                out.status,
                ms / 1000,
                bool(out.violations),
                bool(out.contract_errors),
            )
            if self.journal is not None:
                self._record(scope, headers, b"".join(chunks), out, request_id, ms)
        if not self.quiet:
            op = out.operation.operation_id if out.operation else None
            logs.request_line(scope["method"], scope["path"], out.status, ms, request_id, op)

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
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def discard(message: dict) -> None:
            return None

        await self(scope, receive, discard)
        found = self.journal.find() if self.journal else []
        return found[-1] if found else None

    def _request_id(self) -> str:
        """A UUID-shaped id from the seeded generator: same seed, same ids, same bytes."""
        h = f"{self._ids.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _record(
        self,
        scope: dict,
        headers: dict[str, str],
        body: bytes,
        out: Outgoing,
        request_id: str,
        ms: float,
    ) -> None:
        assert self.journal is not None
        self.journal.add(
            Entry(
                self.journal.next_id(),
                self.clock.now(),
                round(ms, 3),
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                out,
                request_id,
                _trace_id(headers),
                headers,
                body,
                scope.get("specmock.delay_ms", 0.0),
            )
        )

    async def handle(self, scope: dict, receive: Any, headers: dict[str, str]) -> Outgoing:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        if "//" in path:  # clients joining a base URL that ends in "/" with "/path"
            path = re.sub("/{2,}", "/", path)
        if self.virtual_hosts:
            path = vhost.rewrite(self.virtual_hosts, headers.get("host"), path)
        router = self.router
        if path == admin.PREFIX or path.startswith(admin.PREFIX + "/"):
            if not admin.allowed(scope, headers, self.settings.admin_token):
                violation = Violation(
                    "header",
                    "/authorization",
                    "admin",
                    "the admin API answers loopback clients or its token",
                )
                return self.responder.error(None, 403, [violation], headers.get("accept"))
            router = self.admin_router
        match = router.match(path)
        accept = headers.get("accept")
        if match is None:
            if self.traffic.mode.forwards and router is self.router:
                service, prefix = self._service_of(path)
                out = await unmatched(self.traffic, scope, receive, headers, service, prefix)
                if out is not None:
                    return out
            violation = Violation("path", path, "path", f"no operation is declared for {path}")
            return self.responder.error(None, 404, [violation], accept)
        method = scope["method"]
        op = match.entry.select(method, _query(scope) if match.entry.variants else {})
        if op is None:
            return self._no_method(match, method, accept, headers, _query(scope))
        try:
            return await self._operation(op, match, scope, receive, headers)
        except Rejection as exc:
            return await self._refuse(op, match, exc.status, exc.violations, headers, exc.headers)
        finally:  # a streamed body left unread (fault, refusal, early answer) would otherwise
            stream = scope.get("specmock.stream")  # be read as the connection's next request
            if stream is not None:
                async for _ in stream:
                    pass

    def _security(self, op: Operation, match: Match, raw: RawRequest) -> list[Violation]:
        """Refuses (raises) a request without the credentials; a proxy lets the upstream decide."""
        try:
            check_security(op, match.entry.service.security_schemes, raw, self.settings.credentials)
        except Rejection as exc:
            if not self.traffic.mode.forwards or op.service == admin.NAME:
                raise
            return exc.violations
        return []

    def _ctx_links(self) -> dict[str, Any]:
        """What a handler's Context reaches of the app beyond its request."""
        return {
            "options": self.options,
            "_app_clock": lambda: self.clock,
            "_on_shutdown": self._shutdown_actions.append,
        }

    def mount_prefix(self, name: str) -> str:
        """Where a service is served: at the root when it is alone, else under `/<name>`."""
        return "" if len(self.services) == 1 else f"/{name}"

    def _service_of(self, path: str) -> tuple[str, str]:
        """The service a path would belong to, and its mount prefix."""
        name = self.services[0].name if len(self.services) == 1 else path.split("/")[1]
        return name, self.mount_prefix(name)

    async def _refuse(
        self,
        op: Operation,
        match: Match,
        status: int,
        violations: list[Violation],
        headers: dict[str, str],
        extra: dict[str, str] | None = None,
    ) -> Outgoing:
        """specmock's refusal, unless the service's @rejected handler answers it its own way."""
        accept = headers.get("accept")
        handler = self.overrides.find_rejection(op.service)
        if handler is not None:
            seed = self.responder.seed_for(op, status, match.params)

            async def default() -> Reply:
                return to_reply(self.responder.error(op, status, violations, accept, extra))

            ctx = Context(
                op,
                dict(match.params),
                match.params,
                {},
                headers,
                None,
                self.store,
                self.clock,
                Random(seed),
                self.responder.faker,
                match.entry.service.document.root,
                default,
                lambda s=None: None,
                violations=[v.as_dict() for v in violations],
                rejection_status=status,
                **self._ctx_links(),
            )
            try:
                result = await hooks.call(handler, ctx)
            except Exception:
                log.exception("rejection handler of %s raised", op.service)
                result = None
            if result is not None:
                out = self.responder.from_reply(op, result, accept)
                return dataclasses.replace(out, violations=violations)
        return self.responder.error(op, status, violations, accept, extra)

    def _no_method(
        self,
        match: Match,
        method: str,
        accept: str | None,
        headers: dict[str, str],
        query: dict[str, list[str]],
    ) -> Outgoing:
        allow = ", ".join(match.entry.allow_for(query))
        if method == "OPTIONS":
            extra = [("Allow", allow)]
            if "origin" in headers:
                extra += [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", allow),
                    (
                        "Access-Control-Allow-Headers",
                        headers.get("access-control-request-headers", "*"),
                    ),
                ]
            return Outgoing(204, b"", None, extra)
        violation = Violation(
            "method",
            "/",
            "method",
            f"{method} is not declared for {match.entry.template}; allowed: {allow}",
        )
        return self.responder.error(None, 405, [violation], accept, {"Allow": allow})

    async def _operation(
        self, op: Operation, match: Match, scope: dict, receive: Any, headers: dict[str, str]
    ) -> Outgoing:
        raw = RawRequest(
            match.params,
            without_marker(op.path, _query(scope)),
            headers,
            _cookies(headers),
            without_marker(op.path, _query_raw(scope)),
        )
        refused = self._security(op, match, raw) if op.security else []
        params, violations = check_params(op, raw)
        if refused:
            violations[:0] = refused
        body_violations, body = await self._body(op, scope, receive, headers)
        violations.extend(body_violations)
        if op.service != admin.NAME:
            injected = await self._inject(op, match, scope, headers, body)
            if injected is not None:
                return injected
            limited = self._rate_limit(op, scope, headers)
            if limited is not None:
                return limited
            if self.traffic.mode is not Mode.MOCK:
                prefix = self.mount_prefix(op.service)
                out = await through(
                    self.traffic, self.responder, op, prefix, scope, headers, violations
                )
                if out is not None:
                    return out
        if violations:
            return await self._refuse(op, match, _validation_status(op), violations, headers)
        pref = parse_prefer(headers.get("prefer"))
        call = Call(
            op,
            params,
            match.params,
            raw.query,
            body,
            headers.get("accept"),
            _url(scope, headers),
            _origin(scope, headers) + match.prefix,
            headers,
            scope.get("specmock.files", {}),
            scope.get("specmock.raw_body", b""),
            scope.get("specmock.stream"),
        )
        key = headers.get("idempotency-key")
        if key and op.method in ("POST", "PATCH") and op.service != admin.NAME:
            return await self._idempotent(key, call, match, headers, pref)
        return await self._answer(call, match, headers, pref)

    async def _idempotent(
        self, key: str, call: Call, match: Match, headers: dict[str, str], pref: Preference
    ) -> Outgoing:
        """Same key, same body: the first answer again. Same key, other body: refused."""
        op = call.op
        stored, conflict = self.idempotency.lookup(op.service, key, call.body)
        if conflict:
            message = "this Idempotency-Key was used with a different body"
            violation = Violation("header", "/idempotency-key", "idempotency", message)
            return self.responder.error(op, 422, [violation], call.accept)
        if stored is not None:
            return dataclasses.replace(
                stored, headers=[*stored.headers, ("Idempotent-Replayed", "true")]
            )
        out = await self._answer(call, match, headers, pref)
        if out.status < 500:
            self.idempotency.remember(op.service, key, call.body, out)
        return out

    def _rate_limit(self, op: Operation, scope: dict, headers: dict[str, str]) -> Outgoing | None:
        if self.rate_limiter is None:
            return None
        client = (
            headers.get("x-api-key")
            or headers.get("authorization")
            or (scope.get("client") or ("-",))[0]
        )
        limited = self.rate_limiter.hit(op.service, op.operation_id, client)
        if limited is None:
            return None
        wait, rule = limited
        message = f"more than {rule.limit} requests in {rule.seconds:g} s; retry in {wait} s"
        violation = Violation("header", "/", "rateLimit", message)
        return self.responder.error(
            op, 429, [violation], headers.get("accept"), {"Retry-After": str(wait)}
        )

    async def _answer(
        self, call: Call, match: Match, headers: dict[str, str], pref: Preference
    ) -> Outgoing:
        op = call.op
        hooks_for = self.admin_hooks if op.service == admin.NAME else self.overrides
        handler = hooks_for.find(op)
        if handler is not None:
            return await self._override(handler, call, match, headers, pref)
        return await self._default(call, match, pref)

    async def _inject(
        self, op: Operation, match: Match, scope: dict, headers: dict[str, str], body: Any
    ) -> Outgoing | None:
        """Apply the first fault rule (or X-Specmock-* header) that fires for this request."""
        try:
            decision = self.faults.from_headers(headers) or self.faults.decide(
                Target(
                    op.service, op.operation_id, op.method, scope["path"], op.path, headers, body
                )
            )
        except RuleError as exc:
            violation = Violation("header", "/x-specmock-fault", "fault", str(exc))
            return self.responder.error(op, 400, [violation], headers.get("accept"))
        if decision is None:
            return None
        if decision.delay_ms:
            await asyncio.sleep(decision.delay_ms / 1000)
        if decision.status is None and decision.fault is None:
            scope["specmock.delay_ms"] = decision.delay_ms
            return None
        out = await self._fault_answer(op, match, decision, headers)
        # a copy: answers are cached and shared, the fault belongs to this request alone
        return dataclasses.replace(
            out,
            fault=decision.fault or f"status {decision.status}",
            fault_seconds=decision.seconds,
            delay_ms=decision.delay_ms,
        )

    async def _fault_answer(
        self, op: Operation, match: Match, decision: Decision, headers: dict[str, str]
    ) -> Outgoing:
        accept = headers.get("accept")
        if decision.status is not None:
            if op.response_for(decision.status) is None:
                declared = ", ".join(op.responses)
                message = (
                    f"fault {decision.rule} asks for status {decision.status}, which "
                    f"{op.operation_id} does not declare ({declared})"
                )
                return self.responder.error(
                    op, 400, [Violation("fault", "/status", "status", message)], accept
                )
            return self.responder.success(
                op, match.params, Preference(code=decision.status), accept
            )
        return self.responder.success(op, match.params, Preference(), accept)

    async def _default(self, call: Call, match: Match, pref: Preference) -> Outgoing:
        """State where the operation is stateful, generated data otherwise."""
        op = call.op
        if self._stateful(op, match, pref):
            return await self.crud.handle(call)
        live = sse.live_answer(
            op,
            call.accept,
            call.headers,
            self.options,
            self.responder.seed_for(op, 200, match.params, pref.seed),
            self.responder.faker,
            lambda: self.clock,
        )
        if live is not None and pref.code is None:
            status = status_number(op.success, None) if op.success else 200
            return Outgoing(status, b"", sse.MEDIA_TYPE, live[0], op, stream=live[1])
        body = call.body
        echo = Echo(
            {k: call.params[k] for k in match.params if k in call.params},
            body if isinstance(body, dict) and op.method in _ECHO_METHODS else None,
        )
        return self.responder.success(op, match.params, pref, call.accept, echo)

    async def _override(
        self, handler: Any, call: Call, match: Match, headers: dict[str, str], pref: Preference
    ) -> Outgoing:
        op = call.op
        seed = self.responder.seed_for(op, 0, match.params, pref.seed)
        rng = Random(seed)
        faker = self.responder.faker
        faker.random = rng

        async def default() -> Reply:
            return to_reply(await self._default(call, match, pref))

        def generate(status: int | None = None) -> Any:
            wanted = status or (status_number(op.success, None) if op.success else 200)
            return self.responder.generate(op, wanted, call.accept, seed)

        ctx = Context(
            op,
            call.params,
            match.params,
            call.query,
            headers,
            call.body,
            self.store,
            self.clock,
            rng,
            faker,
            match.entry.service.document.root,
            default,
            generate,
            base_url=call.base_url,
            files=call.files,
            raw_body=call.raw_body,
            stream=call.stream,
            **self._ctx_links(),
        )
        try:
            result = await hooks.call(handler, ctx)
        except Rejection:
            raise
        except Exception as exc:
            log.exception("override for %s raised", op.operation_id)
            body = problems.problem(
                500, [], f"the override for {op.operation_id} raised {type(exc).__name__}: {exc}"
            )
            return Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE, [], op)
        if result is None:
            return await self._default(call, match, pref)
        return self.responder.from_reply(op, result, call.accept)

    def _stateful(self, op: Operation, match: Match, pref: Preference) -> bool:
        """Stored state answers unless the service is stateless or the client asks otherwise."""
        if not (self.settings.stateful and match.entry.service.stateful):
            return False
        return (
            op.role is not None and op.role.stateful and pref.code is None and pref.example is None
        )

    async def _body(
        self, op: Operation, scope: dict, receive: Any, headers: dict[str, str]
    ) -> tuple[list[Violation], Any]:
        """Read, parse and check the body: its violations and its parsed value."""
        if op.body is None:
            return [], None
        request = Request(scope, receive)
        if op.extensions.get("x-specmock-stream-body") is True:
            scope["specmock.stream"] = request.stream()  # the override reads it, unlimited
            return [], None
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise Rejection(413, [_too_large(self.max_body)])
        body = await request.body()
        if len(body) > self.max_body:
            raise Rejection(413, [_too_large(self.max_body)])
        scope["specmock.raw_body"] = body  # for overrides that check signatures on the bytes
        content_type = headers.get("content-type")
        media = select_body_media(op, content_type, body)
        is_form = "urlencoded" in (content_type or "").lower()
        if media is None or (not body and not is_form):  # empty JSON is no body; empty form is {}
            return check_body(op, None, MISSING), None
        try:
            value = await self._parse(op, media, content_type or "", body, request)
        except ValueError as exc:
            message = f"body is not valid {media.media_type}: {exc}"
            return [Violation("body", "/", "syntax", message)], None
        return check_body(op, media, value), value

    async def _parse(
        self, op: Operation, media: Any, content_type: str, body: bytes, request: Request
    ) -> Any:
        form = None
        if content_type.lower().startswith("multipart/"):
            try:
                parsed = await request.form(max_files=100, max_fields=1000)
            except Exception as exc:  # malformed multipart framing
                raise ValueError(str(exc) or "malformed multipart body") from None
            form = {key: parsed.getlist(key) for key in parsed}
            request.scope["specmock.files"] = await _files(form)
        value = parse_body(media, content_type, body, form, op.compiler.doc.root)
        if isinstance(value, dict) and (form is not None or "urlencoded" in content_type.lower()):
            value = coerce_form(op, media, value)
        return value


def _tee(receive: Any, chunks: list[bytes]) -> Any:
    """A receive that keeps a copy of the body for the journal."""

    async def tee() -> dict:
        message = await receive()
        if message.get("type") == "http.request" and sum(map(len, chunks)) < BODY_LIMIT:
            chunks.append(message.get("body", b""))
        return message

    return tee


def _check_targets(rules: dict[str, Any], services: list[Service]) -> None:
    known = {s.name for s in services} | {op.operation_id for s in services for op in s.operations}
    unknown = sorted(t for t in rules if t and t not in known)
    if unknown:
        raise ValueError(f"rate limit for {', '.join(unknown)}: no such service or operationId")


def _trace_id(headers: dict[str, str]) -> str:
    """W3C traceparent's trace id, else B3's; corrupt or missing context gives ""."""
    parts = headers.get("traceparent", "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32:
        return parts[1]
    return headers.get("x-b3-traceid", "")


def _mtime(file: str) -> float:
    try:
        return os.stat(file).st_mtime
    except OSError:
        return 0.0


def _origin(scope: dict, headers: dict[str, str]) -> str:
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 80)))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


def _url(scope: dict, headers: dict[str, str]) -> str:
    """The request URL without its query: base for Location and Link headers."""
    return _origin(scope, headers) + scope["path"]


async def _files(form: dict[str, list[Any]]) -> dict[str, list[UploadedFile]]:
    """The uploaded parts of a multipart body, bytes and all, for overrides."""
    files: dict[str, list[UploadedFile]] = {}
    for name, values in form.items():
        for value in values:
            if isinstance(value, UploadFile):
                content = await value.read()
                files.setdefault(name, []).append(
                    UploadedFile(value.filename or "", value.content_type or "", content)
                )
    return files


def _too_large(limit: int) -> Violation:
    return Violation("body", "/", "maxBodySize", f"request body exceeds {limit} bytes")


def _validation_status(op: Operation) -> int:
    """400 where declared, else 422, else another declared 4xx: the answer stays in contract."""
    declared = op.responses
    for status in ("400", "422"):
        if status in declared:
            return int(status)
    if "4XX" in declared or "default" in declared:
        return 400
    codes = sorted(int(s) for s in declared if s.isdigit() and s.startswith("4") and s != "401")
    return codes[0] if codes else 400


def _headers(scope: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out and name != "cookie" else text
    return out


def _query(scope: dict) -> dict[str, list[str]]:
    qs = scope.get("query_string", b"")
    if not qs:
        return {}
    return parse_qs(qs.decode("latin-1"), keep_blank_values=True)


def _query_raw(scope: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out.setdefault(unquote_plus(key), []).append(value)
    return out


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    return cookie_parser(raw) if raw else {}
