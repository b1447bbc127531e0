"""The inbox API under /api/v1, Mailpit's routes and names, plus wait and extract.

A request carrying `X-Specmock-Run: <id>` sees (and deletes) only that run's mailbox.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from specmock import Context, Reply, override

from . import extract, parse
from .inbox import in_mailbox, message, summary
from .search import QueryError, compile_query
from .state import inbox

DEFAULT_WAIT_LIMIT = 60.0  # seconds; a wait never blocks longer (email_wait_limit)


def error(status: int, text: str) -> Reply:
    """Mailpit's JSON error: {"Error": "..."}."""
    return Reply({"Error": text}, status=status)


def disposition(name: str) -> str:
    """An attachment's Content-Disposition, RFC 6266 `filename*` for names beyond ASCII."""
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}"


def _run(ctx: Context) -> str | None:
    return ctx.headers.get("x-specmock-run") or None


def _not_found(ctx: Context) -> Reply:
    return error(404, f"message {ctx.path_params.get('ID', '')!r} not found in this mailbox")


async def _page(ctx: Context, query: str | None) -> Reply:
    try:
        matches = compile_query(query)
    except QueryError as exc:
        return error(400, str(exc))
    box = inbox(ctx)
    mailbox = await box.records(_run(ctx))
    found = [r for r in mailbox if matches(r)] if query else mailbox
    start, limit = int(ctx.params.get("start", 0)), int(ctx.params.get("limit", 50))
    page = found[start : start + limit]
    tags = sorted({t for r in mailbox for t in r["Tags"]})
    return Reply(
        {
            "total": len(mailbox),
            "unread": sum(1 for r in mailbox if not r["Read"]),
            "count": len(page),
            "messages_count": len(found),
            "messages_unread": sum(1 for r in found if not r["Read"]),
            "start": start,
            "tags": tags,
            "messages": [summary(r) for r in page],
        }
    )


@override("email:getMessages")
async def get_messages(ctx: Context) -> Reply:
    return await _page(ctx, None)


@override("email:searchMessages")
async def search_messages(ctx: Context) -> Reply:
    return await _page(ctx, ctx.params["query"])


@override("email:deleteMessages")
async def delete_messages(ctx: Context) -> Reply:
    box = inbox(ctx)
    wanted = (ctx.body or {}).get("IDs") if isinstance(ctx.body, dict) else None
    mailbox = await box.records(_run(ctx))
    ids = {r["ID"] for r in mailbox}
    await box.delete([i for i in wanted if i in ids] if wanted else sorted(ids))
    return Reply(raw=b"ok", media_type="text/plain")


@override("email:deleteSearch")
async def delete_search(ctx: Context) -> Reply:
    try:
        matches = compile_query(ctx.params["query"])
    except QueryError as exc:
        return error(400, str(exc))
    box = inbox(ctx)
    await box.delete([r["ID"] for r in await box.records(_run(ctx)) if matches(r)])
    return Reply(raw=b"ok", media_type="text/plain")


@override("email:getMessage")
async def get_message(ctx: Context) -> Reply:
    box = inbox(ctx)
    record = await box.get(ctx.path_params["ID"], _run(ctx))
    if record is None:
        return _not_found(ctx)
    await box.mark_read(record)
    return Reply(message(record))


async def _source(ctx: Context) -> tuple[dict[str, Any] | None, bytes | None]:
    box = inbox(ctx)
    record = await box.get(ctx.path_params["ID"], _run(ctx))
    raw = await box.raw(record["ID"]) if record is not None else None
    return record, raw


@override("email:getHeaders")
async def get_headers(ctx: Context) -> Reply:
    _, raw = await _source(ctx)
    return Reply(parse.headers(raw)) if raw is not None else _not_found(ctx)


@override("email:getRaw")
async def get_raw(ctx: Context) -> Reply:
    _, raw = await _source(ctx)
    if raw is None:
        return _not_found(ctx)
    return Reply(raw=raw, media_type="text/plain; charset=utf-8")


@override("email:getPart")
async def get_part(ctx: Context) -> Reply:
    _, raw = await _source(ctx)
    if raw is None:
        return _not_found(ctx)
    wanted = ctx.path_params["PartID"]
    for part_id, part in parse.parts(parse.parse(raw)):
        if part_id == wanted:
            name = parse.filename(part)
            headers = {"Content-Disposition": disposition(name)} if name else {}
            return Reply(
                raw=parse.part_bytes(part), media_type=part.get_content_type(), headers=headers
            )
    return error(404, f"message {ctx.path_params['ID']!r} has no part {wanted!r}")


@override("email:extractMessage")
async def extract_message(ctx: Context) -> Reply:
    record, _ = await _source(ctx)
    if record is None:
        return _not_found(ctx)
    low, _, high = str(ctx.params.get("digits", "4-8")).partition("-")
    try:
        found = extract.codes(record, int(low), int(high))
    except ValueError as exc:
        return error(400, f"digits: {exc}")
    return Reply({"Links": extract.links(record), "Codes": found})


@override("email:waitMessage")
async def wait_message(ctx: Context) -> Reply:
    try:
        matches = compile_query(ctx.params.get("query"))
    except QueryError as exc:
        return error(400, str(exc))
    run = _run(ctx)
    try:
        limit = float(ctx.option("email_wait_limit", None) or DEFAULT_WAIT_LIMIT)
    except ValueError:  # a setting that is no number: the default, not a failed wait
        limit = DEFAULT_WAIT_LIMIT
    timeout = min(float(ctx.params.get("timeout", 10)), limit)
    record = await inbox(ctx).wait(lambda r: in_mailbox(r, run) and matches(r), timeout)
    if record is None:
        query = ctx.params.get("query") or "anything"
        return error(408, f"no message matching {query!r} arrived within {timeout:g} s")
    return Reply(message(record))
