"""Zero-code state: create, read, list, replace, update and delete from the contract alone.

An item is stored as the representation the contract answers with (the create
response, request fields merged in, readOnly fields generated, ids from the
store's counter), so every later read is contract-true by construction and is
still checked before it leaves.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from ..generator.heuristics import snake
from ..generator.plan import Operation
from ..generator.resources import Resource, list_location
from ..generator.schema import flatten
from .clock import Clock, iso
from .fitting import page_fit, read_fit
from .responder import Outgoing, Responder, overlay_valid, status_number
from .state import Query, Store
from .validation import Violation

_CREATED = {"created_at", "created", "creation_date", "date_created", "created_on", "inserted_at"}
_UPDATED = {
    "updated_at",
    "updated",
    "modified_at",
    "modified",
    "date_updated",
    "updated_on",
    "last_modified",
    "last_updated",
}
_LIMIT = (
    "limit",
    "per_page",
    "page_size",
    "size",
    "max_results",
    "count",
    "top",
    "first",
    "max_keys",
    "max_items",
)
_OFFSET = ("offset", "skip", "start")
_PAGE = ("page", "page_number", "page_no")
_CURSOR = (
    "cursor",
    "after",
    "starting_after",
    "page_token",
    "next_token",
    "continuation_token",
    "next",
    "marker",
    "next_page_token",
)
_TOTALS = {"total", "total_count", "count", "total_items", "total_results", "size"}


@dataclass
class Call:
    """One request as the state engine needs it."""

    op: Operation
    params: dict[str, Any]
    path_params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    accept: str | None
    url: str
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)
    raw_body: bytes = b""
    stream: Any = None  # the unread body, for operations marked x-specmock-stream-body


class Crud:
    def __init__(self, store: Store, clock: Clock, responder: Responder):
        self.store = store
        self.clock = clock
        self.responder = responder

    async def handle(self, call: Call) -> Outgoing:
        role = call.op.role
        assert role is not None and role.resource is not None
        ns = namespace(call.op, role.resource, call.path_params)
        if role.kind in ("read", "replace", "update", "delete"):
            refused = await self._precondition(call, role.resource, ns, role.kind == "read")
            if refused is not None:
                return refused
        handler = getattr(self, "_" + role.kind)
        return await handler(call, role.resource, ns)

    async def _precondition(
        self, call: Call, resource: Resource, ns: str, read: bool
    ) -> Outgoing | None:
        """If-None-Match on reads (304), If-Match on writes (412), against the stored item."""
        wanted = call.headers.get("if-none-match" if read else "if-match")
        if not wanted:
            return None
        item = await self.store.get(ns, self._key(call, resource))
        if item is None:
            return None  # the verb answers 404
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        current = etag(item)
        if read and (current in tags or "*" in tags):
            return Outgoing(304, b"", None, [("ETag", current)], call.op)
        if not read and current not in tags and "*" not in tags:
            message = f"If-Match {wanted} does not match the current ETag {current}"
            violation = Violation("header", "/if-match", "precondition", message)
            return self.responder.error(call.op, 412, [violation], call.accept)
        return None

    # -- the six verbs ----------------------------------------------------
    async def _create(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        op = call.op
        status = status_number(op.success, None) if op.success else 201
        n = await self.store.next_id(ns)
        validator = self.responder.validator_for(op, status)
        now = iso(self.clock.now())
        item = _without_generation(op, status, resource, _sent(call.body), n, validator, now)
        if item is None:
            seed = self.responder.seed_for(op, status, {"#": str(n)})
            base = self.responder.generate(op, status, call.accept, seed)
            if not isinstance(base, dict):
                return self.responder.answer(op, status, base, call.accept)
            item = overlay_valid(_server_part(op, status, base), _sent(call.body), validator)
            if validator is not None and not validator.is_valid(item):
                item = overlay_valid(base, _sent(call.body), validator)
        key = self._assign_id(item, resource, n, validator)
        item = overlay_valid(item, self._stamps(item, created=True), validator)
        await self.store.put(ns, key, item)
        headers = [*self._location(op, call, resource, key), ("ETag", etag(item))]
        return self.responder.answer(op, status, item, call.accept, headers)

    async def _read(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        key = self._key(call, resource)
        item = await self.store.get(ns, key)
        if item is None:
            return self._missing(call, resource, key)
        status = status_number(call.op.success, None) if call.op.success else 200
        fit = read_fit(
            self.responder, call.op, status, self.responder.seed_for(call.op, status, {"#": key})
        )
        return self.responder.answer(
            call.op, status, item, call.accept, [("ETag", etag(item))], fit
        )

    async def _replace(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        return await self._change(call, resource, ns, merge=False)

    async def _update(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        return await self._change(call, resource, ns, merge=True)

    async def _change(self, call: Call, resource: Resource, ns: str, merge: bool) -> Outgoing:
        key = self._key(call, resource)
        old = await self.store.get(ns, key)
        if old is None:
            return self._missing(call, resource, key)
        op = call.op
        status = status_number(op.success, None) if op.success else 200
        validator = self.responder.validator_for(op, status)
        sent = _sent(call.body)
        new = merge_patch(old, sent) if merge else {**_kept(old, resource), **sent}
        item = (
            new
            if validator is None or validator.is_valid(new)
            else overlay_valid(old, sent, validator)
        )
        item = overlay_valid(item, self._stamps(item, created=False), validator)
        await self.store.put(ns, key, item)
        return self.responder.answer(op, status, item, call.accept, [("ETag", etag(item))])

    async def _delete(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        key = self._key(call, resource)
        old = await self.store.get(ns, key)
        if old is None or not await self.store.delete(ns, key):
            return self._missing(call, resource, key)
        op = call.op
        status = status_number(op.success, None) if op.success else 204
        response = op.response_for(status)
        if response is None or not response.content:
            return self.responder.answer(op, status, None, call.accept)
        validator = self.responder.validator_for(op, status)
        if validator is not None and validator.is_valid(old):
            return self.responder.answer(op, status, old, call.accept)
        seed = self.responder.seed_for(op, status, call.path_params)
        return self.responder.answer(
            op, status, self.responder.generate(op, status, call.accept, seed), call.accept
        )

    async def _list(self, call: Call, resource: Resource, ns: str) -> Outgoing:
        op = call.op
        status = status_number(op.success, None) if op.success else 200
        window = _window(call)
        found = await self.store.page(
            ns, Query(_filters(call), _sort(call), window.start, window.limit)
        )
        page, total = found.items, found.total
        links = _links(call, window, total)
        seed = self.responder.seed_for(op, status, call.path_params)
        base = self.responder.generate(op, status, call.accept, seed)
        headers = (
            [("Link", ", ".join(f'<{u}>; rel="{r}"' for r, u in links.items()))] if links else []
        )
        declared = {h.lower(): h for h in (op.success.headers if op.success else ())}
        if "x-total-count" in declared:
            headers.append((declared["x-total-count"], str(total)))
        media = next((m for t, m in op.success.content.items() if "json" in t), None)
        if media is None or media.schema is None:
            return self.responder.answer(op, status, page, call.accept, headers)
        bundle = op.compiler.bundle(media.schema, "response")
        where = list_location(bundle.schema, bundle.defs, resource.name)
        body: Any = page
        if where:
            body = base if isinstance(base, dict) else {}
            body[where] = page
            for name in list(body):
                if snake(name) in _TOTALS and isinstance(body[name], int):
                    body[name] = total
                elif snake(name) == "has_more" and isinstance(body[name], bool):
                    body[name] = "next" in links
        fit = page_fit(self.responder, op, status, media, where or "", seed)
        return self.responder.answer(op, status, body, call.accept, headers, fit)

    # -- helpers ----------------------------------------------------------
    def _key(self, call: Call, resource: Resource) -> str:
        name = resource.id_param or ""
        value = call.params.get(name, call.path_params.get(name, ""))
        return str(value)

    def _assign_id(self, item: dict[str, Any], resource: Resource, n: int, validator: Any) -> str:
        field = resource.id_field
        if field is None:
            return str(n)
        if resource.id_type in ("integer", "number"):
            candidate = overlay_valid(item, {field: n}, validator)
            item.update(candidate)
        elif field not in item:
            item.update(overlay_valid(item, {field: str(n)}, validator))
        return str(item.get(field, n))

    def _stamps(self, item: dict[str, Any], created: bool) -> dict[str, Any]:
        now = iso(self.clock.now())
        stamps = {}
        for name, value in item.items():
            key = snake(name)
            if isinstance(value, str) and (key in _UPDATED or (created and key in _CREATED)):
                stamps[name] = now
        return stamps

    def _missing(self, call: Call, resource: Resource, key: str) -> Outgoing:
        name = resource.id_param or "id"
        message = f"no {resource.name} item with {name} {key!r}"
        violation = Violation("path", f"/{name}", "exists", message)
        return self.responder.error(call.op, 404, [violation], call.accept)

    def _location(
        self, op: Operation, call: Call, resource: Resource, key: str
    ) -> list[tuple[str, str]]:
        success = op.success
        if success is None or resource.item is None:
            return []
        declared = {h.lower(): h for h in success.headers}
        if "location" not in declared:
            return []
        return [(declared["location"], f"{call.url.rstrip('/')}/{quote(key, safe='')}")]


def etag(item: Any) -> str:
    """A strong validator for a stored item: its canonical JSON, hashed."""
    digest = hashlib.blake2b(orjson.dumps(item, option=orjson.OPT_SORT_KEYS), digest_size=12)
    return f'"{digest.hexdigest()}"'


def namespace(op: Operation, resource: Resource, path_params: dict[str, str]) -> str:
    collection = resource.collection
    for name in resource.scope:
        collection = collection.replace("{" + name + "}", path_params.get(name, ""))
    return f"{op.service}:{collection}"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _server_part(op: Operation, status: int, base: dict[str, Any]) -> dict[str, Any]:
    """What the server supplies on create: required and readOnly fields, and defaults.

    Optional fields the client did not send are not invented.
    """
    plan = _server_plan(op, status)
    if plan is None:
        return base
    defaults, kept, _ = plan
    out = copy.deepcopy(defaults) if defaults else {}
    for name in kept:
        if name in base:
            out[name] = base[name]
    return out


_PLANS: dict[tuple[int, int], tuple[Operation, Any]] = {}


def _without_generation(
    op: Operation,
    status: int,
    resource: Resource,
    sent: dict[str, Any],
    n: int,
    validator: Any,
    now: str,
) -> dict[str, Any] | None:
    """The created item when the client sent every field the server must fill, except a
    numeric id (the store's counter) and creation/update times (the clock): then nothing
    needs generating, which is most of the cost of a create. None when something must be
    generated (or the result would break the schema)."""
    plan = _server_plan(op, status)
    if plan is None or validator is None:
        return None
    defaults, kept, order = plan
    numeric_id = resource.id_type in ("integer", "number")
    id_field = resource.id_field if numeric_id else None
    stamped = {name for name in kept if snake(name) in _CREATED or snake(name) in _UPDATED}
    if any(name not in sent and name != id_field and name not in stamped for name in kept):
        return None
    item: dict[str, Any] = {}
    for name in order:
        if name == id_field:
            item[name] = n
        elif name in stamped and name not in sent:
            item[name] = now
        elif name in sent:
            item[name] = sent[name]
        elif name in defaults:
            item[name] = copy.deepcopy(defaults[name])
    for name, value in sent.items():
        item.setdefault(name, value)
    return item if validator.is_valid(item) else None


def _server_plan(op: Operation, status: int) -> tuple[dict[str, Any], list[str], list[str]] | None:
    """(defaults, the fields the server fills, every field in schema order) of a create
    answer, worked out once per
    operation and status: flattening the schema on every create cost a fifth of it."""
    key = (id(op), status)
    found = _PLANS.get(key)
    if found is not None and found[0] is op:
        return found[1]
    response = op.response_for(status)
    media = next(
        (m for t, m in (response.content.items() if response else ()) if "json" in t), None
    )
    plan: tuple[dict[str, Any], list[str], list[str]] | None = None
    if media is not None and media.schema is not None:
        bundle = op.compiler.bundle(media.schema, "response")
        flat = flatten(bundle.schema, bundle.defs)
        if isinstance(flat, dict) and "properties" in flat:
            required = set(flat.get("required") or [])
            defaults: dict[str, Any] = {}
            kept: list[str] = []
            for name, schema in flat["properties"].items():
                prop = flatten(schema, bundle.defs)
                prop = prop if isinstance(prop, dict) else {}
                if "default" in prop:
                    defaults[name] = copy.deepcopy(prop["default"])
                if name in required or prop.get("readOnly"):
                    kept.append(name)
            plan = (defaults, kept, list(flat["properties"]))
    _PLANS[key] = (op, plan)
    return plan


def _sent(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, dict) else {}


def _kept(old: dict[str, Any], resource: Resource) -> dict[str, Any]:
    """What a full replacement keeps: the id and the server's own timestamps."""
    keep = {resource.id_field} if resource.id_field else set()
    return {k: v for k, v in old.items() if k in keep or snake(k) in _CREATED}


_SORT = ("sort", "sort_by", "order_by", "orderby", "ordering")


def _filters(call: Call) -> dict[str, str]:
    """Query parameters that are not paging, sorting or path parameters: field filters."""
    skip = {*_LIMIT, *_OFFSET, *_PAGE, *_CURSOR, *_SORT}
    return {
        k: v[-1]
        for k, v in call.query.items()
        if snake(k) not in skip and k not in call.path_params
    }


def _sort(call: Call) -> str | None:
    """`?sort=name` or `?sort=-name` (one field), when the operation declares such a parameter."""
    for param in call.op.params:
        if param.location == "query" and snake(param.name) in _SORT:
            value = call.params.get(param.name)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, str) and value.strip(" -+"):
                return value.strip().removeprefix("+")
    return None


@dataclass
class _Window:
    """Where a page starts, how long it is, and how the client asked (for the next link)."""

    start: int = 0
    limit: int | None = None
    limit_name: str | None = None
    mode: str | None = None
    key: str | None = None
    value: Any = None


def _window(call: Call) -> _Window:
    names = {snake(p.name): p.name for p in call.op.params if p.location == "query"}
    limit_name = next((names[n] for n in _LIMIT if n in names), None)
    limit = call.params.get(limit_name) if limit_name else None
    if limit is None and limit_name:
        limit = _default(call.op, limit_name)
    start, mode, key = 0, None, None
    for group, kind in ((_OFFSET, "offset"), (_PAGE, "page"), (_CURSOR, "cursor")):
        found = next((names[n] for n in group if n in names), None)
        if found:
            mode, key = kind, found
            break
    value = call.params.get(key) if key else None
    if mode == "offset" and isinstance(value, int):
        start = max(value, 0)
    elif mode == "page" and isinstance(value, int) and isinstance(limit, int):
        first = 0 if _minimum(call.op, key) == 0 else 1
        start = max(value - first, 0) * limit
    elif mode == "cursor" and isinstance(value, str):
        start = _decode_cursor(value)
    size = limit if isinstance(limit, int) and limit > 0 else None
    return _Window(start, size, limit_name, mode, key, value)


def _links(call: Call, window: _Window, total: int) -> dict[str, str]:
    start, limit, key, mode, value = (
        window.start,
        window.limit,
        window.key,
        window.mode,
        window.value,
    )
    links: dict[str, str] = {}
    if limit is not None and start + limit < total and key:
        following = {"offset": start + limit, "cursor": _encode_cursor(start + limit)}.get(
            mode or ""
        )
        if mode == "page":
            following = (value or 1) + 1 if isinstance(value, int) else 2
        links["next"] = _link(call, key, following, window.limit_name, limit)
    return links


def _link(call: Call, key: str, value: Any, limit_name: str | None, limit: int) -> str:
    query = {k: v[-1] for k, v in call.query.items()}
    query[key] = str(value)
    if limit_name:
        query[limit_name] = str(limit)
    return f"{call.url}?{urlencode(query)}"


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text[2:]) if text.startswith("o:") else 0
    except (ValueError, UnicodeDecodeError):
        return 0


def _param_schema(op: Operation, name: str) -> dict[str, Any]:
    for param in op.params:
        if param.name == name:
            bundle = op.compiler.bundle(param.schema, "request")
            flat = flatten(bundle.schema, bundle.defs)
            return flat if isinstance(flat, dict) else {}
    return {}


def _default(op: Operation, name: str) -> Any:
    return _param_schema(op, name).get("default")


def _minimum(op: Operation, name: str | None) -> Any:
    return _param_schema(op, name).get("minimum") if name else None
