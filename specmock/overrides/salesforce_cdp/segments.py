"""Segments (Connect API, core token): created from a SQL condition over the segment-on
object, counted live, published on the clock (PUBLISHING for a minute, then SUCCESS with
the member count of that moment)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from specmock import Context, Reply, override

from . import dataset
from .auth import connect_api
from .catalog import DMOS
from .errors import ApiError

PUBLISH_SECONDS = 60


def _ns(ctx: Context) -> str:
    return ctx.namespace("/__segments")


def _condition(text: str | None) -> exp.Expression | None:
    """The include criteria as a parsed condition; statements and DML are refused."""
    if not text or not text.strip():
        return None
    try:
        condition = sqlglot.parse_one(text, read="trino", into=exp.Condition)
    except SqlglotError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise ApiError(400, "INVALID_INPUT", f"includeCriteria: {message}") from None
    if condition.find(exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Create):
        raise ApiError(400, "INVALID_INPUT", "includeCriteria must be a condition")
    return condition


def _members_query(segment: dict[str, Any]) -> exp.Select:
    table = DMOS[segment["segmentOnApiName"]]
    query = exp.select(exp.column(table.primary_key, quoted=True)).from_(exp.to_table(table.name))
    condition = _condition(segment.get("includeCriteria"))
    return query.where(condition) if condition is not None else query


async def _members(ctx: Context, segment: dict[str, Any]) -> list[str]:
    data = await dataset.load(ctx)
    result = data.run(_members_query(segment))
    return [str(row[0]) for row in result.rows]


async def _get(ctx: Context, name: str) -> dict[str, Any]:
    segment = await ctx.store.get(_ns(ctx), name)
    if segment is None:
        raise ApiError(404, "NOT_FOUND", f"segment {name} not found")
    return await _settle(ctx, segment)


async def _settle(ctx: Context, segment: dict[str, Any]) -> dict[str, Any]:
    started = segment.get("publishStartedAt")
    publishing = segment["publishStatus"] == "PUBLISHING" and started is not None
    if publishing and ctx.clock.now() >= started + PUBLISH_SECONDS:
        done = started + PUBLISH_SECONDS
        segment = {
            **segment,
            "publishStatus": "SUCCESS",
            "lastSegmentMemberCount": len(await _members(ctx, segment)),
            "lastPublishedEndDateTime": datetime.fromtimestamp(done, UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
        }
        await ctx.store.put(_ns(ctx), segment["apiName"], segment)
    return segment


def _view(segment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in segment.items() if not k.startswith("publishStartedAt")}


@override("createSegment")
@connect_api("cdp_segment_api")
async def create(ctx: Context) -> Reply:
    body = ctx.body
    if body["segmentOnApiName"] not in DMOS:
        raise ApiError(400, "INVALID_INPUT", f"unknown segmentOnApiName {body['segmentOnApiName']}")
    if await ctx.store.get(_ns(ctx), body["developerName"]) is not None:
        raise ApiError(409, "DUPLICATE_DEVELOPER_NAME", f"{body['developerName']} already exists")
    number = await ctx.store.next_id(_ns(ctx))
    segment = {
        "apiName": body["developerName"],
        "developerName": body["developerName"],
        "displayName": body.get("displayName") or body["developerName"],
        "marketSegmentId": f"1sgSM{number:010d}",
        "segmentOnApiName": body["segmentOnApiName"],
        "segmentType": body.get("segmentType", "UI"),
        "segmentStatus": "ACTIVE",
        "publishStatus": "NOT_PUBLISHED",
        "segmentMembershipTable": f"{body['developerName']}__dlm",
    }
    if body.get("description"):
        segment["description"] = body["description"]
    if body.get("includeCriteria"):
        segment["includeCriteria"] = body["includeCriteria"]
    await _members(ctx, segment)  # the criteria must run against the object now
    await ctx.store.put(_ns(ctx), segment["apiName"], segment)
    return Reply(_view(segment), status=201)


@override("listSegments")
@connect_api("cdp_segment_api")
async def list_segments(ctx: Context) -> Reply:
    segments = [_view(await _settle(ctx, s)) for s in await ctx.store.items(_ns(ctx))]
    offset = ctx.params.get("offset") or 0
    page = segments[offset : offset + (ctx.params.get("batchSize") or 100)]
    return Reply({"segments": page, "totalSize": len(segments)}, status=200)


@override("getSegment")
@connect_api("cdp_segment_api")
async def get_segment(ctx: Context) -> Reply:
    return Reply(_view(await _get(ctx, ctx.params["segmentApiName"])), status=200)


@override("deleteSegment")
@connect_api("cdp_segment_api")
async def delete_segment(ctx: Context) -> Reply:
    segment = await _get(ctx, ctx.params["segmentApiName"])
    await ctx.store.delete(_ns(ctx), segment["apiName"])
    return Reply(None, status=204)


@override("countSegment")
@connect_api("cdp_segment_api")
async def count_segment(ctx: Context) -> Reply:
    """Counted now, over the data as it is (engagement streamed a moment ago included)."""
    segment = await _get(ctx, ctx.params["segmentApiName"])
    count = len(await _members(ctx, segment))
    return Reply({"segmentApiName": segment["apiName"], "success": True, "count": count}, 200)


@override("publishSegment")
@connect_api("cdp_segment_api")
async def publish_segment(ctx: Context) -> Reply:
    segment = await _get(ctx, ctx.params["segmentApiName"])
    if segment["publishStatus"] == "PUBLISHING":
        raise ApiError(409, "PUBLISH_IN_PROGRESS", f"{segment['apiName']} is publishing")
    segment = {**segment, "publishStatus": "PUBLISHING", "publishStartedAt": ctx.clock.now()}
    await ctx.store.put(_ns(ctx), segment["apiName"], segment)
    return Reply(
        {"segmentApiName": segment["apiName"], "success": True, "publishStatus": "PUBLISHING"},
        status=200,
    )


@override("segmentMembers")
@connect_api("cdp_segment_api")
async def segment_members(ctx: Context) -> Reply:
    segment = await _get(ctx, ctx.params["segmentApiName"])
    members = await _members(ctx, segment)
    offset = ctx.params.get("offset") or 0
    page = members[offset : offset + (ctx.params.get("limit") or 100)]
    return Reply({"members": [{"id": m} for m in page], "totalSize": len(members)}, status=200)
