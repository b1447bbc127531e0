"""Query API v1 (object rows) and v2 (positional rows in batches), and table metadata."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from specmock import Context, Reply, override

from . import arrow, dataset
from .auth import tenant_api
from .catalog import TYPE_CODES, all_tables, table_meta
from .engine import Result
from .errors import ApiError

BATCH_TTL = 3600  # seconds a nextBatchId stays usable


def batch_rows() -> int:
    """Rows per v2 batch: the real service cuts at about 8 MB; specmock cuts by rows so a
    test sees batching without megabytes of data."""
    value = os.environ.get("SPECMOCK_SALESFORCE_CDP_BATCH_ROWS", "")
    return int(value) if value.isdigit() and int(value) > 0 else 500


def _batches(ctx: Context) -> str:
    return ctx.namespace("/__query_batches")


def _stamp(ctx: Context) -> str:
    return datetime.fromtimestamp(ctx.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _metadata(result: Result) -> dict[str, Any]:
    return {
        name: {"type": kind, "placeInOrder": i, "typeCode": TYPE_CODES.get(kind, 12)}
        for i, (name, kind) in enumerate(result.columns)
    }


async def _uuid(ctx: Context, kind: str) -> str:
    number = await ctx.store.next_id(ctx.namespace(f"/__ids/{kind}"))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"specmock:salesforce_cdp:{kind}:{number}"))


async def _run(ctx: Context) -> Result:
    sql = ctx.body["sql"]
    if not sql.strip():
        raise ApiError(400, "INVALID_SQL", "sql must not be empty")
    data = await dataset.load(ctx)
    return data.run(sql)


@override("queryV1")
@tenant_api("cdp_query_api")
async def query_v1(ctx: Context) -> Reply:
    """All rows at once, as objects; `orderby`, `offset` and `limit` apply to the result."""
    started = _stamp(ctx)
    result = await _run(ctx)
    names = [c for c, _ in result.columns]
    rows = result.rows
    for part in reversed([p.strip() for p in (ctx.params.get("orderby") or "").split(",")]):
        if not part:
            continue
        name, _, direction = part.partition(" ")
        if name not in names:
            raise ApiError(400, "INVALID_ARGUMENT", f"orderby names unknown column {name}")
        i = names.index(name)
        rows = sorted(
            rows,
            key=lambda r: (r[i] is None, r[i] if r[i] is not None else 0),
            reverse=direction.strip().upper() == "DESC",
        )
    offset = ctx.params.get("offset") or 0
    limit = ctx.params.get("limit")
    rows = rows[offset : offset + limit] if limit else rows[offset:]
    body = {
        "data": [dict(zip(names, row, strict=True)) for row in rows],
        "startTime": started,
        "endTime": _stamp(ctx),
        "rowCount": len(rows),
        "queryId": await _uuid(ctx, "query"),
        "done": True,
        "metadata": _metadata(result),
    }
    return Reply(body, status=200)


async def _batch(ctx: Context, state: dict[str, Any]) -> dict[str, Any]:
    """One batch from a stored result; keeps the rest under a new nextBatchId."""
    size = batch_rows()
    rows, rest = state["rows"][:size], state["rows"][size:]
    body = {
        "data": [] if arrow.wanted(ctx.headers) else rows,
        "startTime": state["startTime"],
        "endTime": _stamp(ctx),
        "rowCount": len(rows),
        "queryId": state["queryId"],
        "done": not rest,
        "metadata": state["metadata"],
    }
    if arrow.wanted(ctx.headers):
        body["arrowStream"] = arrow.encode(state["columns"], rows)
    if rest:
        batch_id = await _uuid(ctx, "batch")
        await ctx.store.put(
            _batches(ctx),
            batch_id,
            {
                **state,
                "rows": rest,
                "expiresAt": ctx.clock.now() + BATCH_TTL,
            },
        )
        body["nextBatchId"] = batch_id
    return body


@override("queryV2")
@tenant_api("cdp_query_api")
async def query_v2(ctx: Context) -> Reply:
    """Positional rows ordered by `placeInOrder`, cut into batches."""
    started = _stamp(ctx)
    result = await _run(ctx)
    state = {
        "rows": result.rows,
        "columns": result.columns,
        "metadata": _metadata(result),
        "startTime": started,
        "queryId": await _uuid(ctx, "query"),
    }
    return Reply(await _batch(ctx, state), status=200)


@override("queryV2NextBatch")
@tenant_api("cdp_query_api")
async def next_batch(ctx: Context) -> Reply:
    """A batch id is good once, for an hour."""
    batch_id = ctx.params["nextBatchId"]
    state = await ctx.store.get(_batches(ctx), batch_id)
    if state is None or state["expiresAt"] < ctx.clock.now():
        raise ApiError(404, "NOT_FOUND", f"batch {batch_id} not found or expired")
    await ctx.store.delete(_batches(ctx), batch_id)
    return Reply(await _batch(ctx, state), status=200)


@override("getMetadata")
@tenant_api("cdp_query_api")
async def metadata(ctx: Context) -> Reply:
    """Data lake and data model objects, filtered by type, name and category."""
    out = []
    for table in all_tables().values():
        if ctx.params.get("entityType") and table.entity_type != ctx.params["entityType"]:
            continue
        if ctx.params.get("entityName") and table.name != ctx.params["entityName"]:
            continue
        if ctx.params.get("entityCategory") and table.category != ctx.params["entityCategory"]:
            continue
        out.append(table_meta(table))
    return Reply({"metadata": out}, status=200)
