"""The changes between two versions of a contract, each classified for both sides.

A change breaks a *client* when a request that used to be valid can now be refused, or an
answer the client relied on can now be missing or different; it breaks a *server* (an
implementation or a mock's overrides) when it must now accept or send something new. In a
request a narrowing (fewer values accepted) breaks clients and a widening breaks servers;
in a response it is the other way round. Each change carries a JSON pointer into the
version it is found in (the old one for removals), with `$ref`s followed so the pointer
reads as the place in the operation.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..generator.loader import deref, load_document
from ..generator.sources import expand

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_DEPTH = 24
LOWER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")
UPPER = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")


@dataclass(frozen=True)
class Change:
    operation: str  # "GET /pets/{petId}" ("" for the whole contract)
    message: str
    pointer: str
    client: bool  # breaks a client of the contract
    server: bool  # breaks an implementation (or mock) of the contract

    @property
    def level(self) -> str:
        return "breaking" if self.client else "non-breaking"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "level": self.level}


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def load_root(source: str | Path) -> dict[str, Any]:
    """A spec by path or bundled name, external references bundled, Swagger 2.0 converted."""
    return load_document(expand([source])[0]).root


def _template(path: str) -> str:
    """`/pets/{petId}` and `/pets/{id}` are one path: parameter names do not reach a client."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(root: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str, dict]]:
    found = {}
    for path, item in (root.get("paths") or {}).items():
        item = deref(root, item)
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                pointer = f"/paths/{escape(path)}/{method}"
                found[(method, _template(path))] = (
                    path,
                    pointer,
                    {**op, "_item": item, "_path": path},
                )
    return found


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]):
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.operation = ""

    def add(self, message: str, pointer: str, client: bool, server: bool) -> None:
        self.changes.append(Change(self.operation, message, pointer, client, server))

    def narrowed(self, message: str, pointer: str, request: bool) -> None:
        """Fewer values allowed: breaks clients in a request, servers in a response."""
        self.add(message, pointer, client=request, server=not request)

    def widened(self, message: str, pointer: str, request: bool) -> None:
        self.add(message, pointer, client=not request, server=request)

    # -- the whole contract -------------------------------------------------------------

    def run(self) -> list[Change]:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        new_ids = {op.get("operationId"): key for key, (_, _, op) in new_ops.items()}
        for key, (path, pointer, op) in old_ops.items():
            self.operation = f"{key[0].upper()} {path}"
            if key not in new_ops:
                moved = new_ids.get(op.get("operationId")) if op.get("operationId") else None
                if moved:
                    where = f"{moved[0].upper()} {new_ops[moved][0]}"
                    self.add(f"operation {op['operationId']} moved to {where}", pointer, True, True)
                else:
                    self.add("operation removed", pointer, client=True, server=False)
                continue
            _, new_pointer, new_op = new_ops[key]
            self.compare_operation(op, new_op, pointer, new_pointer)
        old_ids = {op.get("operationId") for _, _, op in old_ops.values()}
        for key, (path, pointer, op) in new_ops.items():
            if key not in old_ops and not (
                op.get("operationId") in old_ids and op.get("operationId")
            ):
                self.operation = f"{key[0].upper()} {path}"
                self.add("operation added", pointer, client=False, server=True)
        self.operation = ""
        return self.changes

    # -- one operation ------------------------------------------------------------------

    def compare_operation(self, old: dict, new: dict, old_ptr: str, ptr: str) -> None:
        self.compare_params(old, new, old_ptr, ptr)
        self.compare_body(old.get("requestBody"), new.get("requestBody"), old_ptr, ptr)
        self.compare_responses(old.get("responses") or {}, new.get("responses") or {}, ptr)
        self.compare_security(old, new, ptr)

    def _params(self, root: dict, op: dict) -> dict[tuple[str, str], dict]:
        found = {}
        for source in (op["_item"].get("parameters") or [], op.get("parameters") or []):
            for param in source:
                param = deref(root, param)
                if isinstance(param, dict) and "name" in param:
                    where = param.get("in", "query")
                    name = param["name"].lower() if where == "header" else param["name"]
                    if where == "path":  # named by place: a renamed placeholder is no change
                        names = re.findall(r"\{([^}]*)\}", op["_path"])
                        name = f"#{names.index(name)}" if name in names else name
                    found[(where, name)] = param
        return found

    def compare_params(self, old: dict, new: dict, old_ptr: str, ptr: str) -> None:
        before, after = self._params(self.old, old), self._params(self.new, new)
        for key, param in after.items():
            where = f"{ptr}/parameters/{escape(key[1])}"
            label = f"{key[0]} parameter {key[1]!r}"
            if key not in before:
                if param.get("required"):
                    self.add(f"new required {label}", where, client=True, server=True)
                else:
                    self.add(f"new optional {label}", where, client=False, server=True)
                continue
            was = before[key]
            if param.get("required") and not was.get("required"):
                self.narrowed(f"{label} became required", where, request=True)
            elif was.get("required") and not param.get("required"):
                self.widened(f"{label} became optional", where, request=True)
            self.compare_schema(was.get("schema"), param.get("schema"), f"{where}/schema", True)
        for key in sorted(before.keys() - after.keys()):
            where = f"{old_ptr}/parameters/{escape(key[1])}"
            self.add(f"{key[0]} parameter {key[1]!r} removed", where, client=False, server=False)

    def compare_body(self, old: Any, new: Any, old_ptr: str, ptr: str) -> None:
        old, new = deref(self.old, old), deref(self.new, new)
        where = f"{ptr}/requestBody"
        if not old and not new:
            return
        if not old:
            required = bool(new.get("required"))
            self.add(
                f"request body added ({'required' if required else 'optional'})",
                where,
                client=required,
                server=True,
            )
            return
        if not new:
            self.add("request body removed", f"{old_ptr}/requestBody", client=False, server=False)
            return
        if new.get("required") and not old.get("required"):
            self.narrowed("request body became required", where, request=True)
        self.compare_content(old.get("content") or {}, new.get("content") or {}, where, True)

    def compare_content(self, old: dict, new: dict, ptr: str, request: bool) -> None:
        for media, entry in old.items():
            where = f"{ptr}/content/{escape(media)}"
            if media not in new:
                if request:
                    self.narrowed(f"request media type {media} removed", where, request=True)
                else:
                    self.add(f"response media type {media} removed", where, True, False)
                continue
            self.compare_schema(
                (entry or {}).get("schema"),
                (new[media] or {}).get("schema"),
                f"{where}/schema",
                request,
            )
        for media in sorted(new.keys() - old.keys()):
            where = f"{ptr}/content/{escape(media)}"
            self.widened(f"media type {media} added", where, request)

    def compare_responses(self, old: dict, new: dict, ptr: str) -> None:
        for status, response in old.items():
            where = f"{ptr}/responses/{escape(str(status))}"
            if status not in new:
                self.add(f"response status {status} removed", where, client=True, server=False)
                continue
            before, after = deref(self.old, response), deref(self.new, new[status])
            self.compare_content(
                (before or {}).get("content") or {},
                (after or {}).get("content") or {},
                where,
                False,
            )
        for status in sorted(new.keys() - old.keys()):
            where = f"{ptr}/responses/{escape(str(status))}"
            self.add(f"response status {status} added", where, client=False, server=True)

    def compare_security(self, old: dict, new: dict, ptr: str) -> None:
        def schemes(root: dict, op: dict) -> list[frozenset[str]]:
            required = op.get("security", root.get("security")) or []
            return [frozenset(item) for item in required]

        before, after = schemes(self.old, old), schemes(self.new, new)
        if set(before) == set(after):
            return
        names = lambda found: " or ".join("+".join(sorted(s)) or "none" for s in found) or "none"  # noqa: E731
        message = f"security changed from {names(before)} to {names(after)}"
        # a client that satisfied one of the old alternatives must satisfy one of the new ones
        client = bool(after) and not all(
            any(b >= a for a in after) for b in before or [frozenset()]
        )
        self.add(message, f"{ptr}/security", client=client, server=not client)

    # -- schemas ------------------------------------------------------------------------

    def _schema(self, root: dict, schema: Any) -> dict:
        schema = deref(root, schema)
        if not isinstance(schema, dict):
            return {}
        if "allOf" in schema:  # the common composition: an object built from parts
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self._schema(root, part)
                merged.setdefault("properties", {}).update(part.get("properties") or {})
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                for key, value in part.items():
                    if key not in ("properties", "required"):
                        merged.setdefault(key, value)
            return merged
        return schema

    @staticmethod
    def _types(schema: dict) -> set[str] | None:
        kind = schema.get("type")
        if kind is None:
            return None
        found = set(kind) if isinstance(kind, list) else {kind}
        if schema.get("nullable"):
            found.add("null")
        return found

    def compare_schema(self, old: Any, new: Any, ptr: str, request: bool, depth: int = 0) -> None:
        if depth > MAX_DEPTH or old is None or new is None:
            return
        old, new = self._schema(self.old, old), self._schema(self.new, new)
        if old == new and "$ref" not in json.dumps(old):  # same references may now differ
            return
        self._compare_types(old, new, ptr, request)
        self._compare_enum(old, new, ptr, request)
        self._compare_bounds(old, new, ptr, request)
        if old.get("format") != new.get("format") and old.get("format") and new.get("format"):
            self.add(f"format changed from {old['format']} to {new['format']}", ptr, True, True)
        if old.get("pattern") != new.get("pattern") and new.get("pattern"):
            self.narrowed("pattern changed", ptr, request)
        self._compare_properties(old, new, ptr, request, depth)
        if "items" in old and "items" in new:
            self.compare_schema(old["items"], new["items"], f"{ptr}/items", request, depth + 1)
        for key in ("oneOf", "anyOf"):
            if isinstance(old.get(key), list) and isinstance(new.get(key), list):
                for i, (a, b) in enumerate(zip(old[key], new[key], strict=False)):
                    self.compare_schema(a, b, f"{ptr}/{key}/{i}", request, depth + 1)
                if len(new[key]) < len(old[key]):
                    self.narrowed(f"{key} alternatives removed", f"{ptr}/{key}", request)
                elif len(new[key]) > len(old[key]):
                    self.widened(f"{key} alternatives added", f"{ptr}/{key}", request)

    def _compare_types(self, old: dict, new: dict, ptr: str, request: bool) -> None:
        before, after = self._types(old), self._types(new)
        if before == after:
            return
        said = f"type changed from {_show(before)} to {_show(after)}"
        if after is not None and (before is None or after < before):
            self.narrowed(said, f"{ptr}/type", request)
        elif before is not None and (after is None or after > before):
            self.widened(said, f"{ptr}/type", request)
        else:
            self.add(said, f"{ptr}/type", client=True, server=True)

    def _compare_enum(self, old: dict, new: dict, ptr: str, request: bool) -> None:
        before, after = old.get("enum"), new.get("enum")
        if before == after:
            return
        if after is not None and before is None:
            self.narrowed(f"enum added: {_values(after)}", f"{ptr}/enum", request)
            return
        if before is not None and after is None:
            self.widened("enum removed", f"{ptr}/enum", request)
            return
        gone = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        if gone:
            self.narrowed(f"enum values removed: {_values(gone)}", f"{ptr}/enum", request)
        if added:
            self.widened(f"enum values added: {_values(added)}", f"{ptr}/enum", request)

    def _compare_bounds(self, old: dict, new: dict, ptr: str, request: bool) -> None:
        for key in (*LOWER, *UPPER):
            a, b = old.get(key), new.get(key)
            if a == b or isinstance(a, bool) or isinstance(b, bool):
                continue
            where, said = f"{ptr}/{key}", f"{key} changed from {a} to {b}"
            tighter = b is not None and (a is None or (b < a if key in LOWER else b > a))
            (self.narrowed if tighter else self.widened)(said, where, request)

    def _compare_properties(
        self, old: dict, new: dict, ptr: str, request: bool, depth: int
    ) -> None:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        was_required, required = set(old.get("required") or []), set(new.get("required") or [])
        side = "request" if request else "response"
        for name, schema in before.items():
            where = f"{ptr}/properties/{escape(name)}"
            if name not in after:
                if request:
                    self.add(f"request field {name!r} removed", where, client=False, server=False)
                else:
                    self.add(f"response field {name!r} removed", where, client=True, server=False)
                continue
            if name in required and name not in was_required:
                self.narrowed(f"{side} field {name!r} became required", where, request)
            elif name in was_required and name not in required:
                self.widened(f"{side} field {name!r} became optional", where, request)
            self.compare_schema(schema, after[name], where, request, depth + 1)
        for name in sorted(after.keys() - before.keys()):
            where = f"{ptr}/properties/{escape(name)}"
            if name in required:
                self.narrowed(f"new required {side} field {name!r}", where, request)
            else:
                self.add(f"new optional {side} field {name!r}", where, client=False, server=request)


def _show(types: set[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _values(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from `old` to `new` (parsed, bundled roots), operations in path order."""
    return _Differ(old, new).run()


def diff_files(old: str | Path, new: str | Path) -> list[Change]:
    return diff(load_root(old), load_root(new))
