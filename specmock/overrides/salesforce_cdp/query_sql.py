"""The Connect API's SQL query (`/services/data/vXX.X/ssot/query-sql`), as the
`salesforce-datacloud-connector` and the Apex `ConnectApi.CdpQuery` use it.

The query runs at once on the same engine as Query API v1/v2, so the first answer already
reports `ResultsProduced`; the result is kept for `BATCH_TTL` seconds under its query id and
read page by page from `/rows?offset=`. Named parameters (`:name` with `sqlParameters`) are
substituted as SQL literals by sqlglot, never by string pasting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlglot import exp

from specmock import Context, Reply, override

from . import dataset
from .auth import connect_api
from .engine import parse
from .errors import ApiError
from .query import BATCH_TTL, _uuid, batch_rows

# engine column type -> the Connect API's type name, and its precision/scale where it has one
_TYPES = {
    "VARCHAR": ("Varchar", {}),
    "DECIMAL": ("Numeric", {"precision": 38, "scale": 18}),
    "TIMESTAMP": ("TimestampTZ", {}),
    "BIGINT": ("BigInt", {}),
    "INTEGER": ("Integer", {}),
    "DOUBLE": ("Double", {}),
    "BOOLEAN": ("Boolean", {}),
    "DATE": ("Date", {}),
}


def _results(ctx: Context) -> str:
    return ctx.namespace("/__sql_queries")


def _expiry(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _columns(columns: list[Any]) -> list[dict[str, Any]]:
    out = []
    for name, kind in columns:
        label, extra = _TYPES.get(kind, ("Varchar", {}))
        out.append({"name": name, "type": label, "nullable": True, **extra})
    return out


def _status(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "queryId": state["queryId"],
        "completionStatus": "ResultsProduced",
        "progress": 1.0,
        "rowCount": len(state["rows"]),
        "chunkCount": max(1, -(-len(state["rows"]) // batch_rows())),
        "expirationTime": _expiry(state["expiresAt"]),
    }


def _bind(sql: str, parameters: list[dict[str, Any]]) -> exp.Query:
    """The query with each `:name` replaced by its value as a literal."""
    tree = parse(sql)
    values = {p["name"]: p.get("value") for p in parameters}
    missing = sorted(
        {p.name for p in tree.find_all(exp.Placeholder) if p.name and p.name not in values}
    )
    if missing:
        raise ApiError(400, "INVALID_ARGUMENT", f"sqlParameters has no value for :{missing[0]}")
    for name, value in values.items():
        if isinstance(value, (dict, list)):
            raise ApiError(
                400, "INVALID_ARGUMENT", f"sqlParameters value of {name} must be a scalar"
            )
    return exp.replace_placeholders(tree, **values) if values else tree


def _page(rows: list[Any], offset: int, limit: int | None) -> list[Any]:
    size = min(limit or batch_rows(), batch_rows())
    return rows[offset : offset + size]


async def _state(ctx: Context) -> dict[str, Any]:
    query_id = ctx.params["queryId"]
    state = await ctx.store.get(_results(ctx), query_id)
    if state is None or state["expiresAt"] < ctx.clock.now():
        raise ApiError(404, "NOT_FOUND", f"query {query_id} not found or expired")
    return state


@override("createSqlQuery")
@connect_api("cdp_query_api")
async def create_sql_query(ctx: Context) -> Reply:
    """Run the SQL; the first page of rows (at most `rowLimit`), the columns and the status."""
    body = ctx.body
    data = await dataset.load(ctx)
    result = data.run(_bind(body["sql"], body.get("sqlParameters") or []))
    state = {
        "queryId": await _uuid(ctx, "sql-query"),
        "rows": result.rows,
        "metadata": _columns(result.columns),
        "expiresAt": ctx.clock.now() + BATCH_TTL,
    }
    await ctx.store.put(_results(ctx), state["queryId"], state)
    rows = _page(result.rows, 0, body.get("rowLimit"))
    out = {
        "data": rows,
        "metadata": state["metadata"],
        "returnedRows": len(rows),
        "status": _status(state),
    }
    return Reply(out, status=201)


@override("getSqlQuery")
@connect_api("cdp_query_api")
async def get_sql_query(ctx: Context) -> Reply:
    """The status; queries finish before the first answer, so nothing is ever waited for."""
    return Reply({"status": _status(await _state(ctx))}, status=200)


@override("getSqlQueryRows")
@connect_api("cdp_query_api")
async def get_sql_query_rows(ctx: Context) -> Reply:
    """Rows from `offset`, at most `rowLimit` and one page; an offset past the end is the
    service's "out of range" 400 (an empty result answers offset 0 with no rows)."""
    state = await _state(ctx)
    offset = ctx.params.get("offset") or 0
    if offset and offset >= len(state["rows"]):
        raise ApiError(
            400,
            "INVALID_ARGUMENT",
            f"Request out of range: offset {offset} is past the {len(state['rows'])} rows",
        )
    rows = _page(state["rows"], offset, ctx.params.get("rowLimit"))
    out: dict[str, Any] = {"data": rows, "returnedRows": len(rows)}
    if ctx.params.get("omitSchema") is not True:
        out["metadata"] = state["metadata"]
    return Reply(out, status=200)


@override("cancelSqlQuery")
@connect_api("cdp_query_api")
async def cancel_sql_query(ctx: Context) -> Reply:
    state = await _state(ctx)
    await ctx.store.delete(_results(ctx), state["queryId"])
    return Reply(None, status=204)
