"""Content Builder assets (`/asset/v1/content/assets`): create, get, list, query, change,
delete.

Assets get integer ids from one sequence and a GUID customer key unless one is given. The
list's `$filter` takes one `property=value` condition; the query endpoint takes the
vendor's simple/complex filter tree (`leftOperand`/`logicalOperator`/`rightOperand`) over
dotted property paths such as `assetType.name`.
"""

from __future__ import annotations

import re
from typing import Any

from specmock import Context, Reply, override

from .common import authed, bad_request, counter, error, new_id, not_found, page_of, query_int

ASSETS = "/assets"
_TYPES = {  # the common asset types by name: (id, display name)
    "png": (28, "Image"),
    "jpg": (23, "Image"),
    "gif": (20, "Image"),
    "template": (4, "Template"),
    "htmlemail": (208, "HTML Email"),
    "templatebasedemail": (207, "Template-Based Email"),
    "textonlyemail": (209, "Text Only Email"),
    "htmlblock": (197, "HTML Block"),
    "textblock": (196, "Text Block"),
    "freeformblock": (195, "Free Form Block"),
    "codesnippetblock": (220, "Code Snippet Block"),
    "jscoderesource": (226, "JS Code Resource"),
}


def prop(item: dict[str, Any], path: str) -> Any:
    """A dotted property (`assetType.name`), compared case-insensitively by name."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _compare(have: Any, op: str, want: Any) -> bool:
    op = op.lower()
    if op in ("isnull", "isnotnull"):
        return (have is None) == (op == "isnull")
    if have is None:
        return False
    if op == "in":
        wanted = want if isinstance(want, list) else str(want).split(",")
        return str(have).casefold() in {str(w).strip().casefold() for w in wanted}
    a, b = str(have), str(want)
    if isinstance(have, (int, float)) and re.fullmatch(r"-?\d+(\.\d+)?", b):
        x, y = float(have), float(b)
    else:
        x, y = a.casefold(), b.casefold()  # type: ignore[assignment]
    if op in ("equal", "equals"):
        return x == y
    if op in ("notequal", "notequals"):
        return x != y
    if op == "lessthan":
        return x < y
    if op == "greaterthan":
        return x > y
    if op in ("like", "mustcontain"):
        return b.strip("%").casefold() in a.casefold()
    raise ValueError(f"query.simpleOperator {op!r} is not supported")


def matches(item: dict[str, Any], query: dict[str, Any]) -> bool:
    """The vendor's filter tree; raises ValueError naming the part it cannot read."""
    if "logicalOperator" in query or "leftOperand" in query:
        left, right = query.get("leftOperand"), query.get("rightOperand")
        if not isinstance(left, dict) or not isinstance(right, dict):
            raise ValueError("query needs leftOperand and rightOperand objects")
        joined = str(query.get("logicalOperator", "AND")).upper()
        if joined not in ("AND", "OR"):
            raise ValueError(f"query.logicalOperator {joined!r} is not AND or OR")
        if joined == "AND":
            return matches(item, left) and matches(item, right)
        return matches(item, left) or matches(item, right)
    if "property" not in query:
        raise ValueError("query.property is required")
    return _compare(
        prop(item, query["property"]), query.get("simpleOperator", "equal"), query.get("value")
    )


def _sorted(items: list[dict[str, Any]], sort: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    for name, descending in reversed(sort):
        items = sorted(
            items, key=lambda i: (prop(i, name) is None, str(prop(i, name))), reverse=descending
        )
    return items


def _page(items: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    return {
        "count": len(items),
        "page": page,
        "pageSize": size,
        "links": {},
        "items": page_of(items, page, size),
    }


@override("createAsset")
@authed
async def create_asset(ctx: Context) -> Reply:
    body = ctx.body
    kind = dict(body["assetType"])
    name = str(kind.get("name", "")).lower()
    if name and name in _TYPES:
        kind.setdefault("id", _TYPES[name][0])
        kind.setdefault("displayName", _TYPES[name][1])
    elif "id" not in kind:
        return bad_request(f"assetType.name {kind.get('name')!r} is not a known asset type", 10001)
    items = await ctx.store.items(ctx.namespace(ASSETS))
    key = body.get("customerKey") or await new_id(ctx)
    if any(str(i["customerKey"]).casefold() == key.casefold() for i in items):
        return error(400, f"An asset with customerKey {key} already exists", 10002)
    now = ctx.now()
    asset = {
        **body,
        "assetType": kind,
        "id": await counter(ctx, "assets"),
        "customerKey": key,
        "objectID": await new_id(ctx),
        "version": 1,
        "createdDate": now,
        "modifiedDate": now,
    }
    asset.setdefault("category", {"id": 0, "name": "Content Builder"})
    await ctx.store.put(ctx.namespace(ASSETS), str(asset["id"]), asset)
    return Reply(asset, status=201)


@override("getAsset")
@authed
async def get_asset(ctx: Context) -> Reply:
    asset = await ctx.store.get(ctx.namespace(ASSETS), str(ctx.path_params["id"]))
    return Reply(asset) if asset else not_found(f"Asset {ctx.path_params['id']} was not found")


_CHANGEABLE = ("name", "description", "content", "views", "channels", "file")


@override("updateAsset")
@authed
async def update_asset(ctx: Context) -> Reply:
    asset = await ctx.store.get(ctx.namespace(ASSETS), str(ctx.path_params["id"]))
    if asset is None:
        return not_found(f"Asset {ctx.path_params['id']} was not found")
    asset.update({k: v for k, v in ctx.body.items() if k in _CHANGEABLE})
    asset.update(version=asset["version"] + 1, modifiedDate=ctx.now())
    await ctx.store.put(ctx.namespace(ASSETS), str(asset["id"]), asset)
    return Reply(asset)


@override("deleteAsset")
@authed
async def delete_asset(ctx: Context) -> Reply:
    if not await ctx.store.delete(ctx.namespace(ASSETS), str(ctx.path_params["id"])):
        return not_found(f"Asset {ctx.path_params['id']} was not found")
    return Reply("OK")


def _order(text: str) -> list[tuple[str, bool]]:
    out = []
    for part in text.split(","):
        words = part.split()
        if words:
            out.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
    return out


@override("listAssets")
@authed
async def list_assets_page(ctx: Context) -> Reply:
    items = await ctx.store.items(ctx.namespace(ASSETS))
    text = str(ctx.params.get("$filter") or "").strip()
    if text:
        found = re.fullmatch(r"\s*([\w.]+)\s*(?:=|\s+eq\s+)\s*'?(.*?)'?\s*", text)
        if found is None:
            return bad_request(f"$filter {text!r} is not `property=value`", 10001)
        query = {"property": found[1], "simpleOperator": "equal", "value": found[2]}
        items = [i for i in items if matches(i, query)]
    items = _sorted(items, _order(str(ctx.params.get("$orderBy") or "")))
    return Reply(_page(items, query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)))


@override("queryAssets")
@authed
async def query_assets(ctx: Context) -> Reply:
    body = ctx.body
    items = await ctx.store.items(ctx.namespace(ASSETS))
    try:
        if body.get("query"):
            items = [i for i in items if matches(i, body["query"])]
    except ValueError as problem:
        return bad_request(str(problem), 10001)
    sort = [
        (s["property"], str(s.get("direction", "ASC")).upper() == "DESC")
        for s in body.get("sort", [])
    ]
    items = _sorted(items, sort)
    if body.get("fields"):
        keep = {f.lower() for f in body["fields"]} | {
            "id",
            "customerkey",
            "objectid",
            "version",
            "createddate",
            "modifieddate",
            "name",
            "assettype",
        }
        items = [{k: v for k, v in i.items() if k.lower() in keep} for i in items]
    paging = body.get("page", {})
    return Reply(_page(items, int(paging.get("page", 1)), int(paging.get("pageSize", 50))))
