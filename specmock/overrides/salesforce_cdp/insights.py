"""Calculated insights: definitions, queries by dimensions/measures/filters, and creation
through the Connect API."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from specmock import Context, Reply, override

from . import dataset, insights_store
from .auth import connect_api, tenant_api
from .engine import parse
from .errors import ApiError
from .filters import conditions, order_by, split_list


def _meta(definition: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    dims, measures = insights_store.shape(definition["expression"])
    tables = [t.name for t in parse(definition["expression"]).find_all(exp.Table)]

    def field(name: str, measure: bool) -> dict[str, Any]:
        kind = types.get(name, "VARCHAR")
        out = {
            "name": name,
            "displayName": name.removesuffix("__c"),
            "type": "NUMBER" if kind in ("DECIMAL", "BIGINT", "DOUBLE") else "STRING",
        }
        return {**out, "rollupable": True} if measure else out

    return {
        "name": definition["apiName"],
        "displayName": definition.get("displayName") or definition["apiName"],
        "dimensions": [field(d, False) for d in dims],
        "measures": [field(m, True) for m in measures],
        "relationships": [{"fromEntity": t, "toEntity": definition["apiName"]} for t in tables],
    }


@override("insightMetadataList")
@tenant_api("cdp_calculated_insight_api")
async def metadata_list(ctx: Context) -> Reply:
    data = await dataset.load(ctx)
    out = []
    for d in data.insights.values():
        relation = data.resolve(d["apiName"])
        out.append(_meta(d, relation.columns if relation else {}))
    return Reply({"metadata": out}, status=200)


@override("insightMetadata")
@tenant_api("cdp_calculated_insight_api")
async def metadata_one(ctx: Context) -> Reply:
    data = await dataset.load(ctx)
    definition = insights_store.find(list(data.insights.values()), ctx.params["ciName"])
    relation = data.resolve(definition["apiName"])
    return Reply({"metadata": [_meta(definition, relation.columns if relation else {})]}, 200)


async def query_insight(
    ctx: Context, name: str, extra: list[exp.Expression], limit: int
) -> list[dict[str, Any]]:
    """Rows of an insight: chosen dimensions, measures rolled up over the others."""
    data = await dataset.load(ctx)
    definition = insights_store.find(list(data.insights.values()), name)
    dims, measures = insights_store.shape(definition["expression"])
    wanted_dims = split_list(ctx.params.get("dimensions")) or dims
    wanted_measures = split_list(ctx.params.get("measures")) or measures
    for field in [*wanted_dims, *wanted_measures]:
        if field not in dims and field not in measures:
            raise ApiError(422, "INVALID_FIELD", f"{field} is not a field of {name}")
    table = definition["apiName"]
    where = conditions(ctx.params.get("filters"), dims + measures, table) + extra
    query = exp.select(
        *[exp.column(d, quoted=True) for d in wanted_dims],
        *[
            exp.alias_(exp.Sum(this=exp.column(m, quoted=True)), m, quoted=True)
            for m in wanted_measures
        ],
    ).from_(exp.to_table(table))
    if where:
        query = query.where(exp.and_(*where))
    if wanted_dims:
        query = query.group_by(*[exp.column(d, quoted=True) for d in wanted_dims])
    query = order_by(query, ctx.params.get("orderby"), wanted_dims + wanted_measures, table)
    query = query.limit(limit).offset(ctx.params.get("offset", 0) or 0)
    result = data.run(query)
    names = [c for c, _ in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


@override("insightQuery")
@tenant_api("cdp_calculated_insight_api")
async def insight_query(ctx: Context) -> Reply:
    rows = await query_insight(ctx, ctx.params["ciName"], [], ctx.params.get("limit") or 4999)
    return Reply({"data": rows, "done": True}, status=200)


@override("createCalculatedInsight")
@connect_api("cdp_calculated_insight_api")
async def create_insight(ctx: Context) -> Reply:
    """Check the SQL (it must run now), then keep the definition."""
    body = ctx.body
    known = await insights_store.definitions(ctx)
    if any(d["apiName"].lower() == body["apiName"].lower() for d in known):
        raise ApiError(409, "DUPLICATE_VALUE", f"{body['apiName']} already exists")
    insights_store.shape(body["expression"])
    data = await dataset.load(ctx)
    result = data.run(body["expression"])
    definition = {
        "apiName": body["apiName"],
        "expression": body["expression"],
        "displayName": body.get("displayName") or body["apiName"],
    }
    await ctx.store.put(insights_store.namespace(ctx), body["apiName"], definition)
    meta = _meta(definition, dict(result.columns))
    return Reply(
        {
            **definition,
            "calculatedInsightStatus": "ACTIVE",
            "dimensions": meta["dimensions"],
            "measures": meta["measures"],
        },
        status=201,
    )
