"""Profile API: profile objects, one profile, its children (contact points, orders,
engagement, newest first) and its calculated insights. A unified profile reaches its
source records through the identity-resolution links."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from specmock import Context, Reply, override

from . import dataset, insights_store
from .auth import tenant_api
from .catalog import DMOS, PARTY_KEYS, Table, table_meta
from .errors import ApiError
from .filters import conditions, fields, order_by
from .insights import query_insight

UNIFIED = "UnifiedIndividual__dlm"


def _dmo(name: str) -> Table:
    for table in DMOS.values():
        if table.name.lower() == name.lower():
            return table
    raise ApiError(404, "NOT_FOUND", f"data model object {name} not found")


def _select(ctx: Context, table: Table, where: list[exp.Expression]) -> exp.Select:
    known = list(table.columns)
    chosen = fields(ctx.params.get("fields"), known, table.name)
    where = where + conditions(ctx.params.get("filters"), known, table.name)
    query = exp.select(*[exp.column(c, quoted=True) for c in chosen]).from_(
        exp.to_table(table.name)
    )
    if where:
        query = query.where(exp.and_(*where))
    return query


def _rows(data: dataset.Dataset, query: exp.Select) -> list[dict[str, Any]]:
    result = data.run(query)
    names = [c for c, _ in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def _page(ctx: Context, query: exp.Select, table: Table) -> exp.Select:
    query = order_by(query, ctx.params.get("orderby"), list(table.columns), table.name)
    return query.limit(ctx.params.get("limit") or 100).offset(ctx.params.get("offset") or 0)


@override("profileMetadata")
@tenant_api("cdp_profile_api")
async def metadata(ctx: Context) -> Reply:
    tables = [table_meta(t) for t in DMOS.values() if t.category == "Profile"]
    return Reply({"metadata": tables}, status=200)


@override("profileList")
@tenant_api("cdp_profile_api")
async def profile_list(ctx: Context) -> Reply:
    table = _dmo(ctx.params["dmoApiName"])
    data = await dataset.load(ctx)
    rows = _rows(data, _page(ctx, _select(ctx, table, []), table))
    return Reply({"data": rows, "done": True}, status=200)


def _key(ctx: Context, table: Table) -> exp.Expression:
    """`recordId` matches the primary key, or the field `searchKey` names."""
    field = ctx.params.get("searchKey") or table.primary_key
    name = fields(field, list(table.columns), table.name)[0]
    return exp.column(name, quoted=True).eq(exp.Literal.string(ctx.params["recordId"]))


@override("profileRecord")
@tenant_api("cdp_profile_api")
async def profile_record(ctx: Context) -> Reply:
    table = _dmo(ctx.params["dmoApiName"])
    data = await dataset.load(ctx)
    query = _select(ctx, table, [_key(ctx, table)]).limit(ctx.params.get("limit") or 100)
    rows = _rows(data, query)
    if not rows:
        raise ApiError(404, "NOT_FOUND", f"no {table.name} record {ctx.params['recordId']}")
    return Reply({"data": rows, "done": True}, status=200)


def _individuals(ctx: Context, data: dataset.Dataset, table: Table) -> list[str]:
    """Source individual ids behind the parent record(s) the path names."""
    parents = (
        exp.select(exp.column(table.primary_key, quoted=True))
        .from_(exp.to_table(table.name))
        .where(_key(ctx, table))
    )
    ids = [r[table.primary_key] for r in _rows(data, parents)]
    if not ids:
        raise ApiError(404, "NOT_FOUND", f"no {table.name} record {ctx.params['recordId']}")
    if table.name != UNIFIED:
        return ids
    links = (
        exp.select(exp.column("SourceRecordId__c", quoted=True))
        .from_(exp.to_table("UnifiedLinkssotIndividual__dlm"))
        .where(
            exp.column("UnifiedRecordId__c", quoted=True).isin(
                *[exp.Literal.string(i) for i in ids]
            )
        )
    )
    return [r["SourceRecordId__c"] for r in _rows(data, links)]


def _newest_first(child: Table) -> exp.Expression | None:
    stamp = next((c for c, t in child.columns.items() if t == "TIMESTAMP"), None)
    return exp.Ordered(this=exp.column(stamp, quoted=True), desc=True) if stamp else None


@override("profileChildren")
@tenant_api("cdp_profile_api")
async def profile_children(ctx: Context) -> Reply:
    """Children of a profile; engagement shows up here as soon as it is ingested."""
    table = _dmo(ctx.params["dmoApiName"])
    child = _dmo(ctx.params["childDmoApiName"])
    if child.name not in PARTY_KEYS or table.name not in ("ssot__Individual__dlm", UNIFIED):
        raise ApiError(400, "INVALID_ARGUMENT", f"{child.name} is not a child of {table.name}")
    data = await dataset.load(ctx)
    ids = _individuals(ctx, data, table)
    link = exp.column(PARTY_KEYS[child.name], quoted=True).isin(
        *[exp.Literal.string(i) for i in ids]
    )
    query = _select(ctx, child, [link])
    newest = _newest_first(child)
    if newest is not None and not ctx.params.get("orderby"):
        query = query.order_by(newest)
    rows = _rows(data, _page(ctx, query, child))
    return Reply({"data": rows, "done": True}, status=200)


@override("profileInsight")
@tenant_api("cdp_profile_api")
async def profile_insight(ctx: Context) -> Reply:
    """The insight's rows whose first dimension is one of this profile's individuals."""
    table = _dmo(ctx.params["dmoApiName"])
    data = await dataset.load(ctx)
    ids = _individuals(ctx, data, table)
    definition = insights_store.find(list(data.insights.values()), ctx.params["ciName"])
    dims, _ = insights_store.shape(definition["expression"])
    if not dims:
        raise ApiError(400, "INVALID_ARGUMENT", f"{definition['apiName']} has no dimension")
    mine = exp.column(dims[0], quoted=True).isin(*[exp.Literal.string(i) for i in ids])
    rows = await query_insight(
        ctx, ctx.params["ciName"], [mine], ctx.params.get("batchSize") or 4999
    )
    return Reply({"data": rows, "done": True}, status=200)
