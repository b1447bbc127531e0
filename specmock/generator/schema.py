"""OpenAPI schemas as plain JSON Schema 2020-12, one set per direction.

OpenAPI 3.0 schemas differ from JSON Schema (`nullable`, boolean
`exclusiveMinimum`, siblings of `$ref` ignored), and `readOnly`/`writeOnly`
change what is required in requests and responses. Each schema is normalized
once per direction and memoized; a bundle is a self-contained document
(`$defs` holds the referenced schemas) that a validator or a fake-data builder
can be compiled from without looking at the spec again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote

from .errors import escape_token, unescape_token
from .loader import Document, resolve
from .patterns import KEYWORD as ECMA_PATTERN
from .patterns import compile_pattern, native

Direction = Literal["request", "response"]

_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "additionalProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
)
_DROP_30 = {"nullable", "example", "xml", "externalDocs", "deprecated"}
_DRAFT_2019 = ("$recursiveAnchor", "$recursiveRef")  # read as a `$ref` to the anchor
_POINTER_SAFE = "~!$&'()*+,;=:@/"  # left as they are in a URI fragment
_JSON_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}


def def_key(ref: str) -> str:
    """The `$defs` key a document reference is bundled under: the pointer, percent-decoded
    (`#/paths/~1apps~1%7Bid%7D/...` and `#/paths/~1apps~1{id}/...` are one target)."""
    return unquote(ref[2:]) if ref.startswith("#/") else ref


def def_ref(ref: str) -> str:
    """The bundle-internal reference to a document reference's `$defs` entry."""
    return "#/$defs/" + quote(escape_token(def_key(ref)), safe=_POINTER_SAFE)


def key_of(bundle_ref: str) -> str:
    """The `$defs` key a `def_ref` reference points at."""
    return unescape_token(unquote(bundle_ref.removeprefix("#/$defs/")))


@dataclass
class Bundle:
    """A normalized schema with the definitions it reaches."""

    schema: Any
    defs: dict[str, Any]

    def document(self) -> dict[str, Any]:
        """A JSON Schema document a validator can compile on its own."""
        if not isinstance(self.schema, dict):
            return {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "allOf": [self.schema],
                "$defs": self.defs,
            }
        doc = dict(self.schema)
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        if self.defs:
            doc["$defs"] = {**self.defs, **doc.get("$defs", {})}
        return doc


class SchemaSet:
    """Normalizes a document's schemas for one direction, each referenced schema once."""

    def __init__(self, doc: Document, direction: Direction):
        self.root = doc.root
        self.is30 = doc.version == "3.0"
        self.direction = direction
        self._defs: dict[str, Any] = {}
        self._deps: dict[str, set[str]] = {}
        self._anchor: str | None = None  # the schema a `$recursiveRef` points to, if any

    def bundle(self, schema: Any) -> Bundle:
        refs: set[str] = set()
        normalized = self._normalize(schema, refs)
        keys = self._closure(refs)
        return Bundle(normalized, {k: self._defs[k] for k in sorted(keys)})

    def _closure(self, refs: set[str]) -> set[str]:
        todo, done = list(refs), set()
        while todo:
            ref = todo.pop()
            key = def_key(ref)
            if key in done:
                continue
            done.add(key)
            todo.extend(self._define(ref))
        return done

    def _define(self, ref: str) -> set[str]:
        key = def_key(ref)
        if key not in self._defs:
            self._defs[key] = True  # placeholder while recursing
            deps: set[str] = set()
            node = resolve(self.root, ref)
            outer = self._anchor
            if isinstance(node, dict) and node.get("$recursiveAnchor") is True:
                self._anchor = ref  # draft 2019-09: `$recursiveRef: "#"` below means this
            try:
                self._defs[key] = self._normalize(node, deps)
            finally:
                self._anchor = outer
            self._deps[key] = deps
        return self._deps.get(key, set())

    def _normalize(self, node: Any, refs: set[str]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            refs.add(ref)
            if self.is30 or len(node) == 1:
                return {"$ref": def_ref(ref)}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref":
                out[key] = def_ref(value)
            elif key in _DRAFT_2019:
                if key == "$recursiveRef" and self._anchor is not None:
                    refs.add(self._anchor)
                    out["$ref"] = def_ref(self._anchor)
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self._normalize(v, refs) for k, v in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._normalize(v, refs) for v in value]
            elif key in _SCHEMA_ONE:
                out[key] = self._normalize(value, refs)
            elif key.startswith("x-") or (self.is30 and key in _DROP_30):
                continue
            else:
                out[key] = value
        if self.is30:
            self._fix_30(node, out)
        else:
            _fix_30_bounds(out)
            if node.get("nullable") is True:  # a 3.0 habit in a 3.1 file (OpenAI's): honoured
                _allow_null(out)
        _repair(out)
        _fix_int_format(out)
        self._fix_required(node, out)
        return out

    def _fix_30(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        _fix_30_bounds(out)
        if node.get("nullable") is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            elif kind is None and any(k in out for k in ("allOf", "oneOf", "anyOf", "$ref")):
                inner = dict(out)
                out.clear()
                out["anyOf"] = [inner, {"type": "null"}]
                return

    def _fix_required(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        required = out.get("required")
        props = node.get("properties")
        if not (isinstance(required, list) and isinstance(props, dict)):
            return
        hidden = "readOnly" if self.direction == "request" else "writeOnly"
        kept = [name for name in required if not self._has_flag(props.get(name), hidden)]
        if len(kept) != len(required):
            out["required"] = kept

    def _has_flag(self, schema: Any, flag: str) -> bool:
        for _ in range(16):
            if not isinstance(schema, dict):
                return False
            if schema.get(flag) is True:
                return True
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                return False
            try:
                schema = resolve(self.root, ref)
            except (KeyError, IndexError, ValueError):
                return False
        return False


def _fix_30_bounds(out: dict[str, Any]) -> None:
    """Boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0, and common in 3.1 files too)."""
    for bound in ("Minimum", "Maximum"):
        flag = out.get("exclusive" + bound)
        if isinstance(flag, bool):
            del out["exclusive" + bound]
            if flag and bound.lower() in out:
                out["exclusive" + bound] = out.pop(bound.lower())


def names(value: Any) -> bool:
    """`required` as JSON Schema means it: a list of property names."""
    return isinstance(value, list) and all(isinstance(n, str) for n in value)


def _repair(out: dict[str, Any]) -> None:
    """Servable defects `lint.document_defects` reports: repeated `required` names, a
    `required` that lists no names or `properties` that are no map (both dropped), unknown
    types, patterns the validators cannot compile (ECMA-262 ones get `ecmaPattern`)."""
    if "required" in out and not names(out["required"]):
        del out["required"]  # `required: true`, Swagger 2's parameter spelling
    if "properties" in out and not isinstance(out["properties"], dict):
        del out["properties"]
    required = out.get("required")
    if isinstance(required, list) and len(set(map(str, required))) != len(required):
        out["required"] = list(dict.fromkeys(required))
    kind = out.get("type")
    if isinstance(kind, str) and kind not in _JSON_TYPES:
        del out["type"]
    elif isinstance(kind, list) and not all(k in _JSON_TYPES for k in kind):
        kept = [k for k in kind if k in _JSON_TYPES]
        if kept:
            out["type"] = kept
        else:
            del out["type"]
    pattern = out.get("pattern")
    if isinstance(pattern, str) and not native(pattern):
        del out["pattern"]
        if compile_pattern(pattern) is not None:
            out[ECMA_PATTERN] = pattern


_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _fix_int_format(out: dict[str, Any]) -> None:
    """`format: int32/int64` bound an integer; JSON Schema validators do not know that."""
    bounds = _INT_RANGES.get(out.get("format"))  # type: ignore[arg-type]
    if bounds is None:
        return
    low, high = bounds
    minimum, maximum = out.get("minimum"), out.get("maximum")
    if "exclusiveMinimum" not in out and not (isinstance(minimum, int | float) and minimum >= low):
        out["minimum"] = low
    if "exclusiveMaximum" not in out and not (isinstance(maximum, int | float) and maximum <= high):
        out["maximum"] = high


def schema_problems(schema: Any, path: str = "") -> list[tuple[str, str]]:
    """Cheap structural checks a validator compiler would otherwise report cryptically."""
    found: list[tuple[str, str]] = []
    stack = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            kind = node.get("type")
            kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
            found.extend(
                (
                    f"{where}/type",
                    f"unknown type {k!r} (expected one of {', '.join(sorted(_JSON_TYPES))})",
                )
                for k in kinds
                if k not in _JSON_TYPES
            )
            stack.extend(
                (v, f"{where}/{escape_token(str(k))}")
                for k, v in node.items()
                if isinstance(v, dict) and k != "example"
            )
    return found


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Combine two schemas the way `allOf` means them, for generation purposes."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            props = dict(out[key])
            for name, schema in value.items():
                props[name] = {"allOf": [props[name], schema]} if name in props else schema
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[key] = max(out[key], value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[key] = min(out[key], value)
        elif key == "type":
            out[key] = _intersect_types(out[key], value)
        elif key == "enum":
            kept = [v for v in out[key] if v in value]
            out[key] = kept or value
        else:
            out[key] = value
    return out


def _intersect_types(a: Any, b: Any) -> Any:
    left = set(a) if isinstance(a, list) else {a}
    right = set(b) if isinstance(b, list) else {b}
    if "number" in left and "integer" in right:
        left.add("integer")
    if "number" in right and "integer" in left:
        right.add("integer")
    both = sorted(left & right) or sorted(right)
    return both[0] if len(both) == 1 else both


def flatten(schema: Any, defs: dict[str, Any], fold: bool = True, depth: int = 0) -> Any:
    """Resolve bundle refs and (with `fold`) merge `allOf` into one schema."""
    for _ in range(32):
        if not (isinstance(schema, dict) and "$ref" in schema):
            break
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        target = defs.get(key_of(schema["$ref"]), {})
        schema = merge(target, rest) if rest and isinstance(target, dict) else target
    if not fold or not isinstance(schema, dict) or "allOf" not in schema or depth > 16:
        return schema
    out: dict[str, Any] = {}
    for part in schema["allOf"]:
        part = flatten(part, defs, True, depth + 1)
        if isinstance(part, dict):
            out = merge(out, part)
    return merge(out, {k: v for k, v in schema.items() if k != "allOf"})


def _allow_null(out: dict[str, Any]) -> None:
    """`nullable: true` beside a type (and its enum) lets null through as 3.0 meant it."""
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    elif kind is None and any(k in out for k in ("allOf", "oneOf", "anyOf", "$ref")):
        inner = dict(out)
        out.clear()
        out["anyOf"] = [inner, {"type": "null"}]
        return
    enum = out.get("enum")
    if isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]
