"""From a URL to one declared operation: 404 for an unknown path, 405 with `Allow`
for an undeclared method, and OPTIONS answered from the contract."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable

from .. import vhost
from ..exchange import Exchange, query_of
from ..relay import unmatched
from ..responder import Outgoing
from ..validation import Violation
from .refusal import vendor_refusal

_CORS_PREFLIGHT = "Access-Control-Allow-Headers"


def normalize_path(x: Exchange) -> Outgoing | None:
    """The raw path (so `%2F` stays inside a segment), without doubled slashes, and with
    a virtual host (`bucket.localhost`) turned into its path form."""
    raw_path = x.scope.get("raw_path") or x.scope["path"].encode()
    path = raw_path.decode("latin-1").split("?", 1)[0]
    if "//" in path:  # clients joining a base URL that ends in "/" with "/path"
        path = re.sub("/{2,}", "/", path)
    if x.app.virtual_hosts:
        path = vhost.rewrite(x.app.virtual_hosts, x.headers.get("host"), path)
    x.path = path
    return None


def match_path(x: Exchange) -> Outgoing | Awaitable[Outgoing] | None:
    """The path template; an unknown path is forwarded when proxying, else 404."""
    assert x.router is not None
    x.match = x.router.match(x.path, x.method)
    if x.match is not None:
        return None
    if x.app.traffic.mode.forwards and not x.is_admin:
        return _forward_unknown(x)
    return _unknown(x)


async def _forward_unknown(x: Exchange) -> Outgoing:
    service, prefix = _service_of(x)
    app = x.app
    out = await unmatched(app.traffic, x.scope, x.receive, x.headers, service, prefix)
    return out if out is not None else _unknown(x)


def _unknown(x: Exchange) -> Outgoing:
    """404, in the error shape the service declares most for it (problem+json if none)."""
    violation = Violation("path", x.path, "path", f"no operation is declared for {x.path}")
    ops = None
    if not x.is_admin:
        name = _service_of(x)[0]
        service = next((s for s in x.app.services if s.name == name), None)
        if service is not None:  # in the vendor's envelope, where it has a catalogue
            out = vendor_refusal(x, service, 404, [violation], x.path)
            if out is not None:
                return out
            ops = service.operations  # else the error shape the service declares most
    return x.app.responder.error(None, 404, [violation], x.accept, operations=ops)


def select_operation(x: Exchange) -> Outgoing | None:
    """The operation for the method (and, for AWS-style paths, the query's marker)."""
    assert x.match is not None
    x.match = x.match.for_method(x.method)
    entry = x.match.entry
    query = query_of(x.scope) if entry.variants else {}
    x.op = entry.select(x.method, query, x.headers)  # X-Amz-Target keys read a header
    if x.op is not None:
        return None
    query = query_of(x.scope)
    methods = {m for e in (x.match, *x.match.twins) for m in e.entry.allow_for(query, x.headers)}
    allow = ", ".join(sorted(methods))
    if x.method == "OPTIONS":
        extra = [("Allow", allow)]
        if "origin" in x.headers:
            extra += [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", allow),
                (_CORS_PREFLIGHT, x.headers.get("access-control-request-headers", "*")),
            ]
        return Outgoing(204, b"", None, extra)
    message = f"{x.method} is not declared for {entry.template}; allowed: {allow}"
    violation = Violation("method", "/", "method", message)
    if not x.is_admin:
        out = vendor_refusal(x, entry.service, 405, [violation], entry.template)
        if out is not None:
            return dataclasses.replace(out, headers=[*out.headers, ("Allow", allow)])
    ops = entry.service.operations  # the service's declared error shape, if any
    return x.app.responder.error(None, 405, [violation], x.accept, {"Allow": allow}, ops)


def _service_of(x: Exchange) -> tuple[str, str]:
    """The service a path would belong to, and its mount prefix."""
    services = x.app.services
    name = services[0].name if len(services) == 1 else x.path.split("/")[1]
    return name, x.app.mount_prefix(name)
