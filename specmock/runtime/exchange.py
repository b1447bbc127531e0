"""One request on its way through the stages: what is known of it so far.

Each stage reads what earlier stages found and fills in its own part (the
matched operation, the parsed parameters, the body, the violations). A field is
empty until the stage that owns it has run; the stage list in `pipeline.py`
says which runs first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import cookie_parser

from ..generator.params import RawRequest
from ..generator.plan import Operation
from .crud import Call
from .engine import Engine
from .negotiation import Preference
from .responder import Outgoing
from .router import Match, Router
from .validation import Violation


@dataclass(slots=True)
class Exchange:
    app: Engine
    scope: dict[str, Any]
    receive: Any
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    request_id: str
    method: str
    accept: str | None  # the Accept header
    path: str = ""  # the path routing sees: slashes collapsed, virtual host applied
    router: Router | None = None  # the services' router, or the control plane's
    match: Match | None = None
    op: Operation | None = None
    raw: RawRequest | None = None  # the parameter sources, parsed once
    params: dict[str, Any] = field(default_factory=dict)  # parsed and coerced
    query: dict[str, list[str]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)  # what the request got wrong
    body: Any = None  # the parsed body
    pref: Preference | None = None
    call: Call | None = None
    # run on the answer a later stage gives (idempotency remembers it)
    # called with the answer; one may return an awaitable (a store write), which is awaited
    on_answer: list[Callable[[Outgoing], Any]] = field(default_factory=list)
    # whether the answer may be given again to the same request (settled.py): None until
    # a stage decides, False once anything but the contract acted (a fault rule, a rate
    # limit, an idempotency record), True when the answer came from the contract alone
    settled: bool | None = None
    settled_until: float = float("inf")  # an override's reply: until when (the clock's time)

    @property
    def is_admin(self) -> bool:
        return self.router is not None and self.router is self.app.admin_router


def read_headers(scope: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out and name != "cookie" else text
    return out


def query_of(scope: dict) -> dict[str, list[str]]:
    qs = scope.get("query_string", b"")
    if not qs:
        return {}
    return parse_qs(qs.decode("latin-1"), keep_blank_values=True)


def raw_query_of(scope: dict) -> dict[str, list[str]]:
    """Query values still percent-encoded: `explode: false` lists split before decoding."""
    qs = scope.get("query_string", b"")
    if not qs:
        return {}
    out: dict[str, list[str]] = {}
    for pair in qs.decode("latin-1").split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out.setdefault(unquote_plus(key), []).append(value)
    return out


def cookies_of(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    return cookie_parser(raw) if raw else {}


def origin_of(scope: dict, headers: dict[str, str]) -> str:
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 80)))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"
