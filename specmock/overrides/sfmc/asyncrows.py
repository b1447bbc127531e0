"""Asynchronous row writes (`/data/v1/async/...`): accepted at once, applied on the clock.

A request waits PROCESSING_SECONDS of specmock time, then every row is applied in order
(rows that fail are reported per row, the others are stored). Pending requests are settled
whenever a client looks at rows, a definition or a request status, so no timer is needed.
"""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from .common import authed, iso, new_id, not_found
from .rows import check_row, find_de, store_row

REQUESTS = "/async_requests"
PROCESSING_SECONDS = 2.0


async def _write(ctx: Context, insert_only: bool) -> Reply:
    de = await find_de(ctx, ctx.path_params["deRef"])
    if de is None:
        return not_found(f"Data extension {ctx.path_params['deRef']} was not found")
    request_id = await new_id(ctx)
    now = ctx.clock.now()
    record = {
        "requestId": request_id,
        "deId": de["id"],
        "insertOnly": insert_only,
        "items": ctx.body["items"],
        "calledAt": now,
        "dueAt": now + PROCESSING_SECONDS,
        "done": False,
        "results": [],
    }
    await ctx.store.put(ctx.namespace(REQUESTS), request_id, record)
    return Reply({"requestId": request_id, "resultMessages": []}, status=202)


@override("insertRowsAsync")
@authed
async def insert_rows(ctx: Context) -> Reply:
    return await _write(ctx, insert_only=True)


@override("upsertRowsAsync")
@authed
async def upsert_rows(ctx: Context) -> Reply:
    return await _write(ctx, insert_only=False)


async def settle(ctx: Context) -> None:
    """Apply every request whose processing time has passed, oldest first."""
    ns = ctx.namespace(REQUESTS)
    now = ctx.clock.now()
    for record in await ctx.store.items(ns):
        if record["done"] or record["dueAt"] > now:
            continue
        de = await find_de(ctx, record["deId"])
        results: list[dict[str, Any]] = []
        for item in record["items"]:
            if de is None:
                results.append(_result(item, "The data extension was deleted"))
                continue
            row = check_row(de, item, need_keys=bool(not record["insertOnly"]))
            problem = "; ".join(row.errors) or await store_row(
                ctx, de, row, insert_only=record["insertOnly"]
            )
            results.append(_result(item, problem))
        record.update(done=True, results=results)
        await ctx.store.put(ns, record["requestId"], record)


def _result(item: dict[str, Any], problem: str | None) -> dict[str, Any]:
    if problem:
        return {"status": "Error", "errorCode": "10006", "message": problem, "object": item}
    return {"status": "OK", "object": item}


async def _record(ctx: Context) -> dict[str, Any] | None:
    await settle(ctx)
    return await ctx.store.get(ctx.namespace(REQUESTS), ctx.path_params["requestId"])


@override("getAsyncStatus")
@authed
async def async_status(ctx: Context) -> Reply:
    record = await _record(ctx)
    if record is None:
        return not_found(f"Request {ctx.path_params['requestId']} was not found")
    errors = any(r["status"] == "Error" for r in record["results"])
    state: dict[str, Any] = {
        "requestStatus": "Complete" if record["done"] else "Pending",
        "resultStatus": ("Error" if errors else "OK") if record["done"] else "Pending",
        "hasErrors": errors,
        "callDateTime": iso(record["calledAt"]),
        "pipelineName": "InsertRows" if record["insertOnly"] else "UpsertRows",
    }
    if record["done"]:
        state["completionDateTime"] = iso(record["dueAt"])
    return Reply({"requestId": record["requestId"], "status": state, "resultMessages": []})


@override("getAsyncResults")
@authed
async def async_results(ctx: Context) -> Reply:
    record = await _record(ctx)
    if record is None:
        return not_found(f"Request {ctx.path_params['requestId']} was not found")
    items = record["results"]
    body = {"requestId": record["requestId"], "page": 1, "pageSize": max(len(items), 1)}
    return Reply({**body, "count": len(items), "items": items})
