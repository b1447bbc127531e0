"""The ASGI application: match, check, answer, log. Nothing here walks the spec."""

from __future__ import annotations

import logging
import time
import uuid
from random import Random
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request, cookie_parser

from ..generator.errors import Problem, SpecError
from ..generator.params import MISSING, RawRequest
from ..generator.plan import Operation, Service
from . import logs, problems
from .clock import Clock, RealClock
from .crud import Call, Crud
from .negotiation import Preference, parse_prefer
from .responder import Echo, Outgoing, Responder, Settings
from .router import Match, Router
from .state import MemoryStore, Store
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

log = logging.getLogger("specmock")
MAX_BODY = 10 * 1024 * 1024
_ECHO_METHODS = ("POST", "PUT", "PATCH")


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
    ):
        self.services = services
        self.settings = settings or Settings()
        self.responder = Responder(self.settings)
        self.store: Store = store or MemoryStore()
        self.clock: Clock = clock or RealClock()
        self.crud = Crud(self.store, self.clock, self.responder)
        self.router = Router()
        self.quiet = quiet
        self.max_body = max_body
        self._ids = Random(self.settings.seed)
        self._mount_all()

    def _mount_all(self) -> None:
        names: dict[str, Service] = {}
        problems_found: list[Problem] = []
        single = len(self.services) == 1
        for service in self.services:
            if service.name in names:
                reason = f"service name {service.name!r} is used by two specs"
                problems_found.append(Problem(service.document.file, "/info", reason))
                continue
            names[service.name] = service
            prefix = "" if single else f"/{service.name}"
            prefixes = [prefix + service.base_path] if service.base_path else []
            prefixes.append(prefix)
            for mount in prefixes:
                if self.router.mount(mount, service) and mount:
                    reason = f"prefix {mount!r} is mounted twice"
                    problems_found.append(Problem(service.document.file, "", reason))
        if problems_found:
            raise SpecError(problems_found)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        headers = _headers(scope)
        request_id = headers.get("x-request-id") or str(uuid.UUID(int=self._ids.getrandbits(128)))
        try:
            out = await self.handle(scope, receive, headers)
        except Exception:  # the last line of defence: a bug must not drop the connection
            log.exception("internal error on %s %s", scope["method"], scope["path"])
            body = problems.problem(500, [], "specmock hit an internal error; see its log")
            out = Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE)
        await _send(send, out, request_id, scope["method"] == "HEAD")
        if not self.quiet:
            ms = (time.perf_counter() - started) * 1000
            op = out.operation.operation_id if out.operation else None
            logs.request_line(scope["method"], scope["path"], out.status, ms, request_id, op)

    async def handle(self, scope: dict, receive: Any, headers: dict[str, str]) -> Outgoing:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        match = self.router.match(path)
        accept = headers.get("accept")
        if match is None:
            violation = Violation("path", path, "path", f"no operation is declared for {path}")
            return self.responder.error(None, 404, [violation], accept)
        method = scope["method"]
        op = match.entry.methods.get(method) or (
            match.entry.methods.get("GET") if method == "HEAD" else None
        )
        if op is None:
            return self._no_method(match, method, accept, headers)
        try:
            return await self._operation(op, match, scope, receive, headers)
        except Rejection as exc:
            return self.responder.error(op, exc.status, exc.violations, accept, exc.headers)

    def _no_method(
        self, match: Match, method: str, accept: str | None, headers: dict[str, str]
    ) -> Outgoing:
        allow = ", ".join(match.entry.allow)
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
        raw = RawRequest(match.params, _query(scope), headers, _cookies(headers))
        check_security(op, match.entry.service.security_schemes, raw, self.settings.credentials)
        params, violations = check_params(op, raw)
        body_violations, body = await self._body(op, scope, receive, headers)
        violations.extend(body_violations)
        if violations:
            status = _validation_status(op)
            return self.responder.error(op, status, violations, headers.get("accept"))
        pref = parse_prefer(headers.get("prefer"))
        if self._stateful(op, match, pref):
            call = Call(
                op,
                params,
                match.params,
                raw.query,
                body,
                headers.get("accept"),
                _url(scope, headers),
            )
            return await self.crud.handle(call)
        echo = Echo(
            {k: params[k] for k in match.params if k in params},
            body if isinstance(body, dict) and op.method in _ECHO_METHODS else None,
        )
        return self.responder.success(op, match.params, pref, headers.get("accept"), echo)

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
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise Rejection(413, [_too_large(self.max_body)])
        body = await request.body()
        if len(body) > self.max_body:
            raise Rejection(413, [_too_large(self.max_body)])
        content_type = headers.get("content-type")
        media = select_body_media(op, content_type, body)
        if media is None or (not body and not content_type):
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
        value = parse_body(media, content_type, body, form)
        if isinstance(value, dict) and (form is not None or "urlencoded" in content_type.lower()):
            value = coerce_form(op, media, value)
        return value


def _url(scope: dict, headers: dict[str, str]) -> str:
    """The request URL without its query: base for Location and Link headers."""
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 80)))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


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


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    return cookie_parser(raw) if raw else {}


async def _send(send: Any, out: Outgoing, request_id: str, head: bool) -> None:
    headers = [] if out.status in (204, 304) else [(b"content-length", str(len(out.body)).encode())]
    if out.media_type:
        headers.append((b"content-type", out.media_type.encode()))
    headers.append((b"x-request-id", request_id.encode("latin-1", "replace")))
    headers.extend((k.lower().encode(), v.encode("latin-1", "replace")) for k, v in out.headers)
    await send({"type": "http.response.start", "status": out.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else out.body})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
