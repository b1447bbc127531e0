"""Data extension definitions and synchronous rows (`/data/v1/customobjects`,
`/hub/v1/dataevents`, `/data/v1/customobjectdata/.../rowset`)."""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from . import asyncrows
from .common import authed, bad_request, error, iso, new_id, not_found, page_of, query_int
from .odata import ODataError, evaluate, fields_of, parse_filter, parse_order, sort_key
from .rows import DES, check_row, columns, echo, find_de, rows_ns, store_row

TOKEN_LIFETIME = 20 * 60


async def _public(ctx: Context, de: dict[str, Any]) -> dict[str, Any]:
    count = len(await ctx.store.items(rows_ns(ctx, de["id"])))
    return {**de, "rowCount": count}


@override("createDataExtension")
@authed
async def create_de(ctx: Context) -> Reply:
    """Fields are checked the way the vendor does: unique names, keys never nullable."""
    body = ctx.body
    seen: set[str] = set()
    fields = []
    for f in body["fields"]:
        if f["name"].lower() in seen:
            return bad_request(f"Field name {f['name']} is used twice", 10005)
        seen.add(f["name"].lower())
        pk = bool(f.get("isPrimaryKey", False))
        field = {"name": f["name"], "type": f.get("type", "Text"), "isPrimaryKey": pk}
        field["isNullable"] = False if pk else bool(f.get("isNullable", True))
        for extra in ("length", "defaultValue"):
            if extra in f:
                field[extra] = f[extra]
        fields.append(field)
    new = await new_id(ctx)
    key = body.get("key") or new.upper()
    if await find_de(ctx, "key:" + key) is not None:
        return error(409, f"A data extension with key {key} already exists", 10005)
    now = ctx.now()
    de = {"id": new, "key": key, "name": body["name"], "fields": fields}
    if "description" in body:
        de["description"] = body["description"]
    de.update(createdDate=now, modifiedDate=now)
    await ctx.store.put(ctx.namespace(DES), new, de)
    return Reply(await _public(ctx, de), status=201)


@override("listDataExtensions")
@authed
async def list_des(ctx: Context) -> dict[str, Any]:
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    items = await ctx.store.items(ctx.namespace(DES))
    shown = [await _public(ctx, de) for de in page_of(items, page, size)]
    return {"count": len(items), "page": page, "pageSize": size, "items": shown}


@override("getDataExtension")
@authed
async def get_de(ctx: Context) -> Reply:
    de = await find_de(ctx, ctx.path_params["id"])
    if de is None:
        return not_found(f"Data extension {ctx.path_params['id']} was not found")
    await asyncrows.settle(ctx)
    return Reply(await _public(ctx, de))


@override("deleteDataExtension")
@authed
async def delete_de(ctx: Context) -> Reply:
    de = await find_de(ctx, ctx.path_params["id"])
    if de is None:
        return not_found(f"Data extension {ctx.path_params['id']} was not found")
    await ctx.store.delete(ctx.namespace(DES), de["id"])
    await ctx.store.clear(rows_ns(ctx, de["id"]))
    return Reply(None, status=204)


# -- reading rows ----------------------------------------------------------------------------
@override("getRowsetByKey")
@authed
async def rowset_by_key(ctx: Context) -> Reply:
    return await _rowset(ctx, "key:" + ctx.path_params["key"])


@override("getRowsetById")
@authed
async def rowset_by_id(ctx: Context) -> Reply:
    return await _rowset(ctx, ctx.path_params["id"])


def _getter(cols: dict[str, dict[str, Any]], row: dict[str, Any]):
    def get(name: str) -> tuple[str | None, str]:
        column = cols[name.lower()]
        return row.get(column["name"]), column.get("type", "Text")

    return get


async def _rowset(ctx: Context, ref: str) -> Reply:
    """Filter, order and page the rows, answering in the vendor's keys/values form."""
    de = await find_de(ctx, ref)
    if de is None:
        return not_found(f"Data extension {ref} was not found")
    await asyncrows.settle(ctx)
    cols = columns(de)
    rows = await ctx.store.items(rows_ns(ctx, de["id"]))
    try:
        rows = _filtered(ctx, cols, rows)
        rows = _ordered(ctx, cols, rows)
    except ODataError as exc:
        return bad_request(str(exc), 10003)
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    shown = page_of(rows, page, size)
    base = (
        f"/data/v1/customobjectdata/key/{de['key']}/rowset"
        if ref.lower().startswith("key:")
        else f"/data/v1/customobjectdata/{de['id']}/rowset"
    )
    links = {"self": f"{base}?$page={page}&$pageSize={size}"}
    if page * size < len(rows):
        links["next"] = f"{base}?$page={page + 1}&$pageSize={size}"
    if page > 1:
        links["previous"] = f"{base}?$page={page - 1}&$pageSize={size}"
    body: dict[str, Any] = {
        "links": links,
        "requestToken": await new_id(ctx),
        "tokenExpireDateUtc": iso(ctx.clock.now() + TOKEN_LIFETIME),
        "customObjectId": de["id"],
        "customObjectKey": de["key"],
        "pageSize": size,
        "page": page,
        "count": len(rows),
        "top": 0,
    }
    if shown:
        body["items"] = [echo(de, row) for row in shown]
    return Reply(body)


def _unknown(cols: dict[str, Any], names: list[str], where: str) -> None:
    for name in names:
        if name.lower() not in cols:
            raise ODataError(f"{where}: the field {name} does not exist in this data extension")


def _filtered(ctx: Context, cols: dict[str, Any], rows: list[dict]) -> list[dict]:
    text = ctx.params.get("$filter")
    if text is None:
        return rows
    node = parse_filter(str(text))
    _unknown(cols, fields_of(node), "$filter")
    return [row for row in rows if evaluate(node, _getter(cols, row))]


def _ordered(ctx: Context, cols: dict[str, Any], rows: list[dict]) -> list[dict]:
    text = ctx.params.get("$orderBy")
    if text is None or not str(text).strip():
        return rows
    order = parse_order(str(text))
    _unknown(cols, [name for name, _ in order], "$orderBy")
    for name, desc in reversed(order):
        column = cols[name.lower()]
        kind = column.get("type", "Text")
        rows = sorted(rows, key=lambda r: sort_key(r.get(column["name"]), kind), reverse=desc)
    return rows


# -- writing rows ----------------------------------------------------------------------------
def aggregate(de: dict[str, Any], problems: list[str]) -> Reply:
    extra = [{"message": p, "errorcode": 10000, "documentation": ""} for p in problems[:50]]
    return error(400, f"Unable to save rows for data extension {de['key']}", 10006, extra)


@override("upsertRowset")
@authed
async def upsert_rowset(ctx: Context) -> Reply:
    """All rows are checked first; one bad row rejects the set, as the vendor does."""
    de = await find_de(ctx, ctx.path_params["deRef"])
    if de is None:
        return not_found(f"Data extension {ctx.path_params['deRef']} was not found")
    checked, problems = [], []
    for i, item in enumerate(ctx.body):
        row = check_row(de, {**item["keys"], **item.get("values", {})})
        problems.extend(f"Row {i}: {p}" for p in row.errors)
        checked.append(row)
    if problems:
        return aggregate(de, problems)
    out = []
    for i, row in enumerate(checked):
        problem = await store_row(ctx, de, row)
        if problem:
            problems.append(f"Row {i}: {problem}")
        out.append(echo(de, row.values, list(row.values)))
    return aggregate(de, problems) if problems else Reply(out)


def _parse_row_ref(ref: str) -> dict[str, str] | None:
    pairs = {}
    for part in ref.split(","):
        name, sep, value = part.partition(":")
        if not sep or not name.strip():
            return None
        pairs[name.strip()] = value
    return pairs


async def _row_target(ctx: Context) -> tuple[dict[str, Any], dict[str, str]] | Reply:
    """The data extension and row keys a `/rows/{rowRef}` path names, or the error reply."""
    de = await find_de(ctx, ctx.path_params["deRef"])
    if de is None:
        return not_found(f"Data extension {ctx.path_params['deRef']} was not found")
    keys = _parse_row_ref(ctx.path_params["rowRef"])
    if keys is None:
        return bad_request("rowRef must be PrimaryKeyName:value[,Name:value]", 10003)
    return de, keys


@override("upsertRow")
@authed
async def upsert_row(ctx: Context) -> Reply:
    found = await _row_target(ctx)
    if isinstance(found, Reply):
        return found
    de, keys = found
    row = check_row(de, {**ctx.body["values"], **keys})
    if row.errors:
        return aggregate(de, row.errors)
    problem = await store_row(ctx, de, row)
    if problem:
        return aggregate(de, [problem])
    return Reply(echo(de, row.values, list(row.values)))


@override("deleteRow")
@authed
async def delete_row(ctx: Context) -> Reply:
    found = await _row_target(ctx)
    if isinstance(found, Reply):
        return found
    de, keys = found
    row = check_row(de, keys)
    if row.errors:
        return aggregate(de, row.errors)
    ns = rows_ns(ctx, de["id"])
    stored = await ctx.store.get(ns, row.key)
    if stored is None:
        return not_found(f"No row {ctx.path_params['rowRef']} in data extension {de['key']}")
    await ctx.store.delete(ns, row.key)
    return Reply(echo(de, stored))
