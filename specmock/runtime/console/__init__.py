"""The console: a page under /__specmock/ui that is a client of the admin API alone.

Its files ship inside the package (no CDN, works offline); this module serves them and
adds the two things the page needs that JSON polling cannot give well: the journal as a
server-sent event stream, and the services with their per-operation counters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..hooks import Context, Reply
from ..journal import Query

if TYPE_CHECKING:
    from ..engine import Engine

STATIC = Path(__file__).with_name("static")
MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
POLL = 0.2  # seconds between looks at the journal while a stream is open
KEEPALIVE = 5.0  # seconds of silence before a comment line keeps proxies from closing


COOKIE = "specmock-admin"  # named the same in admin.allowed, which reads it
PREFIX = "/__specmock"


def register(app: Engine, on: Any, problem: Any) -> None:
    """Bind the console's operations to `app` through the admin table's `on`."""

    @on("console")
    def page(ctx: Context) -> Reply:
        headers = {"cache-control": "no-store"}
        token = app.settings.admin_token
        if token and ctx.params.get("token") == token:  # the page's own calls carry it from now
            headers["set-cookie"] = f"{COOKIE}={token}; Path={PREFIX}; HttpOnly; SameSite=Strict"
        page = (STATIC / "index.html").read_bytes()
        return Reply(raw=page, media_type="text/html", headers=headers)

    @on("consoleAsset")
    def asset(ctx: Context) -> Reply:
        file = STATIC / ctx.params["asset"]
        if not file.is_file():
            return problem(404, f"no console file {ctx.params['asset']!r}")
        return Reply(raw=file.read_bytes(), media_type=MEDIA[file.suffix])

    @on("listServices")
    def services(ctx: Context) -> Reply:
        return Reply(service_table(app))

    @on("deleteStateItem")
    async def delete_item(ctx: Context) -> Reply:
        namespace, key = ctx.params["namespace"], ctx.params["key"]
        if await app.store.delete(namespace, key):
            return Reply(status=204)
        return problem(404, f"no item {key!r} in {namespace!r}")

    @on("streamRequests")
    def stream(ctx: Context) -> Reply:
        p = ctx.params
        query = Query(
            service=p.get("service"),
            operation=p.get("operation"),
            method=p.get("method"),
            status=p.get("status"),
            matched=p.get("matched"),
        )
        after = p.get("after")
        if ctx.headers.get("last-event-id", "").isdigit():  # a reconnect: go on from there
            after = int(ctx.headers["last-event-id"])
        if after is None:
            after = app.journal.last_id() if app.journal else 0
        return Reply(
            raw=b"retry: 1000\n\n",
            media_type="text/event-stream",
            headers={"cache-control": "no-store"},
            stream=events(app, query, after, float(p.get("window") or 15)),
        )


async def events(app: Engine, query: Query, after: int, window: float) -> AsyncIterator[bytes]:
    """Journal entries newer than `after` as SSE frames, until `window` seconds have passed.

    Bounded on purpose: a server cannot see a browser tab close on an idle stream, so
    every stream ends and EventSource reconnects with Last-Event-ID."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    quiet_since = loop.time()
    while True:
        entries = app.journal.after(after) if app.journal else []
        for entry in entries:
            after = entry.id
            if query.accepts(entry):
                data = orjson.dumps(entry.as_dict())
                yield b"id: %d\nevent: entry\ndata: %s\n\n" % (entry.id, data)
                quiet_since = loop.time()
        now = loop.time()
        if now >= deadline:
            return
        if now - quiet_since >= KEEPALIVE:
            yield b": keep-alive\n\n"
            quiet_since = now
        await asyncio.sleep(min(POLL, deadline - now))


def service_table(app: Engine) -> list[dict[str, Any]]:
    calls: dict[tuple[str, str], int] = {}
    errors: dict[tuple[str, str], int] = {}
    for (service, operation, _, status), n in app.metrics.requests.items():
        calls[(service, operation)] = calls.get((service, operation), 0) + n
        if status >= 400:
            errors[(service, operation)] = errors.get((service, operation), 0) + n
    return [
        {
            "name": s.name,
            "title": s.title,
            "prefix": app.mount_prefix(s.name) + (s.base_path or ""),
            "operations": [
                {
                    "id": op.operation_id,
                    "method": op.method,
                    "path": op.path,
                    "summary": op.summary or "",
                    "calls": calls.get((s.name, op.operation_id), 0),
                    "errors": errors.get((s.name, op.operation_id), 0),
                }
                for op in s.operations
            ],
        }
        for s in app.services
    ]
