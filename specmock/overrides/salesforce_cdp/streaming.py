"""Streaming ingestion: insert/upsert, delete and the synchronous `actions/test` check."""

from __future__ import annotations

import orjson

from specmock import Context, Reply, override

from . import records
from .auth import tenant_api
from .errors import ApiError

MAX_PAYLOAD = 200 * 1024  # bytes: the streaming limit of the real service


def _payload(ctx: Context) -> tuple[records.ObjectSchema, list]:
    """The object's schema and the records, after the size limit."""
    schema = records.schema_for(ctx.params["sourceApiName"], ctx.params["objectName"])
    declared = ctx.headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else len(orjson.dumps(ctx.body))
    if size > MAX_PAYLOAD:
        raise ApiError(
            413,
            "PAYLOAD_TOO_LARGE",
            f"the payload is {size} bytes; streaming accepts at most {MAX_PAYLOAD}",
        )
    data = ctx.body["data"]
    if not data:
        raise ApiError(400, "INVALID_PAYLOAD", "data must hold at least one record")
    return schema, data


@override("streamIngest")
@tenant_api("cdp_ingest_api")
async def ingest(ctx: Context) -> Reply:
    """Valid payloads are stored at once (the real service is asynchronous; waiting buys a
    test nothing); any invalid record rejects the request with the problems found."""
    schema, data = _payload(ctx)
    good, problems = records.check(schema, data)
    if problems:
        raise ApiError(400, "INVALID_PAYLOAD", "records do not match the object schema", problems)
    await records.ensure_seeded(ctx)
    await records.upsert(ctx, ctx.params["sourceApiName"], schema, good)
    return Reply({"accepted": True}, status=202)


@override("streamTest")
@tenant_api("cdp_ingest_api")
async def test_payload(ctx: Context) -> Reply:
    """Validation only: nothing is stored."""
    schema, data = _payload(ctx)
    _, problems = records.check(schema, data)
    if problems:
        raise ApiError(400, "INVALID_PAYLOAD", "records do not match the object schema", problems)
    return Reply({"accepted": True}, status=200)


@override("streamDelete")
@tenant_api("cdp_ingest_api")
async def delete(ctx: Context) -> Reply:
    schema = records.schema_for(ctx.params["sourceApiName"], ctx.params["objectName"])
    ids = [i.strip() for i in str(ctx.params["ids"]).split(",") if i.strip()]
    if not ids:
        raise ApiError(400, "INVALID_ARGUMENT", "ids must name at least one record")
    await records.ensure_seeded(ctx)
    await records.delete(ctx, ctx.params["sourceApiName"], schema, ids)
    return Reply({"accepted": True}, status=202)
