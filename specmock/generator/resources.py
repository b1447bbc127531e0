"""What each operation does to which resource, inferred from paths, methods and schemas.

`/pets` + `/pets/{petId}` is a collection and its items: POST creates, GET on
the item reads, GET on the collection lists, PUT replaces, PATCH updates,
DELETE deletes. `x-specmock-kind`, `x-specmock-resource` and `x-specmock-id`
on an operation (or the spec's root for `x-specmock-stateful`) correct the guess.
"""

from __future__ import annotations

import re
from typing import Any

from .heuristics import snake
from .plan import Operation, Service
from .roles import Resource, Role
from .schema import flatten

KINDS = (
    "create",
    "read",
    "list",
    "replace",
    "update",
    "delete",
    "action",
    "auth",
    "search",
    "other",
)
_PARAM = re.compile(r"^{([^}]+)}$")
_AUTH = {
    "login",
    "logout",
    "token",
    "tokens",
    "oauth",
    "oauth2",
    "auth",
    "authorize",
    "authenticate",
    "signin",
    "sign-in",
    "session",
    "sessions",
}
_SEARCH = ("search", "query", "find", "lookup")
LIST_KEYS = (
    "items",
    "data",
    "results",
    "records",
    "content",
    "values",
    "entries",
    "elements",
    "list",
    "rows",
    "objects",
    "collection",
    "result",
)


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _is_param(segment: str) -> str | None:
    m = _PARAM.match(segment)
    return m.group(1) if m else None


def classify(service: Service) -> dict[int, Role]:
    """A Role for every operation of a service, keyed by `id(operation)`."""
    paths = {op.path for op in service.operations}
    resources: dict[str, Resource] = {}
    roles: dict[int, Role] = {}
    for op in service.operations:
        roles[id(op)] = _role(op, paths, resources)
    for op in service.operations:
        role = roles[id(op)]
        if role.resource is not None:
            role.resource.kinds.add(role.kind)
            role.resource.creatable |= role.kind == "create"
    for op in service.operations:  # an item the create answers must be one reads can serve
        role = roles[id(op)]
        if role.kind in ("read", "list") and not _serves_created(op, role, service, roles):
            role.resource.creatable = False  # type: ignore[union-attr]  # checked there
            role.resource.mismatch = f"its create answers another shape than {op.operation_id}"  # type: ignore[union-attr]
    for op in service.operations:
        role = roles[id(op)]
        if role.resource is not None and role.resource.id_field is None:
            _find_id_field(role.resource, service.operations, roles)
    return roles


def _role(op: Operation, paths: set[str], resources: dict[str, Resource]) -> Role:
    raw = op.extensions
    forced = raw.get("x-specmock-kind")
    segments = _segments(op.path)
    literal = [s for s in segments if not _is_param(s)]
    last = segments[-1] if segments else ""
    kind = forced if forced in KINDS else _guess(op, segments, literal, paths)
    if kind in ("auth", "search", "action", "other") or forced == "none":
        return Role("other" if forced == "none" else kind)
    collection = op.path if not _is_param(last) else "/" + "/".join(segments[:-1])
    resource = resources.get(collection)
    if resource is None:
        name = raw.get("x-specmock-resource") or (literal[-1] if literal else "items")
        resource = Resource(str(name), collection)
        resource.scope = [p for s in _segments(collection) if (p := _is_param(s))]
        resources[collection] = resource
        item = _item_path(collection, paths)
        if item:
            resource.item = item
            resource.id_param = _is_param(_segments(item)[-1])
    if isinstance(raw.get("x-specmock-id"), str):
        resource.id_field = raw["x-specmock-id"]
    if resource.item is None and kind in ("create", "list"):
        return Role(kind if kind == "list" else "action")
    if kind in ("read", "replace", "update", "delete") and op.path != resource.item:
        return Role("other")
    _id_type(resource, op)
    return Role(kind, resource)


def _guess(op: Operation, segments: list[str], literal: list[str], paths: set[str]) -> str:
    lowered = [s.lower() for s in literal]
    if op.method == "POST" and any(s in _AUTH for s in lowered):
        return "auth"
    if literal and set(re.split(r"[\W_]+", snake(literal[-1]))) & set(_SEARCH):
        return "search"  # `/searchUsers`, `/user_search`; not `/findings`
    on_item = bool(segments) and _is_param(segments[-1]) is not None
    method = op.method
    if on_item:
        return {"GET": "read", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}.get(
            method, "action"
        )
    if method == "GET":
        return "list" if _returns_list(op) else "other"
    if method == "POST":
        return "create" if op.body is not None and _item_path(op.path, paths) else "action"
    return "other"


def _item_path(collection: str, paths: set[str]) -> str | None:
    depth = len(_segments(collection)) + 1
    prefix = collection.rstrip("/") + "/"
    for path in sorted(p for p in paths if p.startswith(prefix)):  # a few, not all paths
        parts = _segments(path)
        if len(parts) == depth and _is_param(parts[-1]):
            return path
    return None


def list_location(schema: Any, defs: dict[str, Any], resource: str = "") -> str | None:
    """Where the items sit in a list response: "" for a bare array, else the property name."""
    flat = flatten(schema, defs)
    if not isinstance(flat, dict):
        return None
    if is_array(flat):
        return ""
    props = flat.get("properties") or {}
    arrays = [name for name, s in props.items() if is_array(flatten(s, defs))]
    for name in (*LIST_KEYS, resource):
        if name in arrays:
            return name
    return arrays[0] if len(arrays) == 1 else None


def is_array(schema: Any) -> bool:
    """An array, nullable or not (3.0's `nullable: true` reads as `type: [array, null]`), or
    `items` with no type; not an object that also says `items` (DEV's articles)."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if isinstance(kind, list):
        return "array" in kind
    return kind == "array" or (kind is None and "items" in schema)


def _returns_list(op: Operation) -> bool:
    found = _success_json(op)
    return found is not None and list_location(*found) is not None


def _id_type(resource: Resource, op: Operation) -> None:
    for param in op.params:
        if param.location == "path" and param.name == resource.id_param:
            bundle = op.compiler.bundle(param.schema, "request")
            flat = flatten(bundle.schema, bundle.defs)
            if isinstance(flat, dict):
                kind = flat.get("type")
                resource.id_type = kind if kind in ("integer", "number", "string") else "string"
                resource.id_format = flat.get("format")


def _find_id_field(resource: Resource, ops: list[Operation], roles: dict[int, Role]) -> None:
    props: dict[str, Any] = {}
    for op in ops:
        role = roles[id(op)]
        found = _success_json(op) if role.resource is resource else None
        if found is not None and role.kind in ("create", "read"):
            props.update(_properties(*found))
    param = resource.id_param or ""
    singular = resource.name[:-1] if resource.name.endswith("s") else resource.name
    for candidate in (param, "id", f"{singular}_id", f"{singular}Id", "uuid", "key"):
        if candidate in props:
            resource.id_field = candidate
            return


def _properties(schema: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """Properties of a schema, including those every oneOf/anyOf branch shares."""
    flat = flatten(schema, defs)
    if not isinstance(flat, dict):
        return {}
    props = dict(flat.get("properties") or {})
    for key in ("oneOf", "anyOf"):
        branches = [_properties(b, defs) for b in flat.get(key) or []]
        if branches:
            shared = set.intersection(*(set(b) for b in branches))
            props.update({name: branches[0][name] for name in shared})
    return props


def _serves_created(
    reader: Operation, role: Role, service: Service, roles: dict[int, Role]
) -> bool:
    """Whether what the resource's create answers fits what `reader` declares for an item:
    every property the reader requires is one the create answers (or is sent), and no
    `const`/`enum` of both excludes the other (OpenAI's `POST /groups/{id}/users` answers an
    assignment, while `GET` on it lists users). Where they differ, stored items could only
    be served by breaking the contract, so the resource is answered without state."""
    wanted = _item_schema(reader, role.kind)
    if wanted is None or role.resource is None:
        return True
    for op in service.operations:
        if roles[id(op)].resource is role.resource and roles[id(op)].kind == "create":
            made = _success_properties(op)
            if made is not None and not _fits(made, wanted):
                return False
    return True


def _success_json(op: Operation) -> tuple[Any, dict[str, Any]] | None:
    success = op.success
    media = next((m for t, m in (success.content.items() if success else ()) if "json" in t), None)
    if media is None or media.schema is None:
        return None
    bundle = op.compiler.bundle(media.schema, "response")
    return bundle.schema, bundle.defs


def _item_schema(op: Operation, kind: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    found = _success_json(op)
    if found is None:
        return None
    schema, defs = found
    if kind == "list":
        where = list_location(schema, defs)
        flat = flatten(schema, defs)
        if where is None or not isinstance(flat, dict):
            return None
        holder = flat if where == "" else flatten((flat.get("properties") or {})[where], defs)
        schema = holder.get("items") if isinstance(holder, dict) else None
    flat = flatten(schema, defs)
    return (flat, defs) if isinstance(flat, dict) and flat.get("properties") else None


def _success_properties(op: Operation) -> dict[str, Any] | None:
    """What a create's answer carries, plus what its body sends (echoed into the item)."""
    found = _success_json(op)
    if found is None:
        return None
    props = _flat_properties(*found)
    if not props:
        return None
    for media in op.body.content.values() if op.body is not None else ():
        if media.schema is not None:
            bundle = op.compiler.bundle(media.schema, "request")
            props = {**_flat_properties(bundle.schema, bundle.defs), **props}
    return props


def _flat_properties(schema: Any, defs: dict[str, Any]) -> dict[str, Any]:
    return {name: flatten(prop, defs) for name, prop in _properties(schema, defs).items()}


def _fits(made: dict[str, Any], wanted: tuple[dict[str, Any], dict[str, Any]]) -> bool:
    schema, defs = wanted
    if any(name not in made for name in schema.get("required") or []):
        return False
    for name, prop in _properties(schema, defs).items():
        if name in made:
            ours, theirs = _fixed(made[name], {}), _fixed(prop, defs)
            if ours is not None and theirs is not None and not ours & theirs:
                return False
    return True


def _fixed(schema: Any, defs: dict[str, Any]) -> set[str] | None:
    """The few string values a `const`/`enum` property allows, else None."""
    flat = flatten(schema, defs)
    if not isinstance(flat, dict):
        return None
    values = [flat["const"]] if "const" in flat else flat.get("enum")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    return set(values)
