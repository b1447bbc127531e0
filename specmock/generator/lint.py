"""Spec defects that do not stop serving, found in one walk over the raw document.

Vendors publish specs with small defects: names repeated in `required`, OpenAPI
3.0 syntax in a 3.1 file, types and formats no JSON Schema knows, patterns no
regular-expression engine compiles. Each is reported once with its location;
by default the spec is still served (the schema normalizer repairs or ignores
the defect), and `--strict-spec` refuses it instead.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import escape_token
from .patterns import compile_pattern
from .schema import names

JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_SECURITY_TYPES = frozenset({"apiKey", "http", "oauth2", "openIdConnect", "mutualTLS"})
KNOWN_FORMATS = frozenset(
    {
        # JSON Schema 2020-12
        "date-time", "date", "time", "duration", "email", "idn-email", "hostname",
        "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference",
        "uuid", "uri-template", "json-pointer", "relative-json-pointer", "regex",
        # OpenAPI
        "int32", "int64", "float", "double", "byte", "binary", "password",
    }
)  # fmt: skip
# Keys whose values are data, not schemas or spec structure (so are `x-` extensions;
# `examples` is a map of Example objects in OpenAPI, a list of values in JSON Schema).
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
_CONTAINERS = (dict, list)
_SCHEMA_KEYS = frozenset({"schema", "items", "additionalProperties", "not", "contains"})
_SCHEMA_MAPS = frozenset({"properties", "schemas", "definitions", "$defs", "patternProperties"})
_SCHEMA_MAPS |= {"allOf", "anyOf", "oneOf", "prefixItems"}
_INT_FORMAT = re.compile(r"^u?int\d+$")


_CHECKED = frozenset(
    {"required", "type", "pattern", "format", "exclusiveMinimum", "exclusiveMaximum", "enum"}
    | {"$recursiveRef"}
    | {k for pair in (
        ("minimum", "maximum"), ("minLength", "maxLength"), ("minItems", "maxItems"),
        ("minProperties", "maxProperties"), ("minContains", "maxContains"),
    ) for k in pair}
)  # fmt: skip


def document_defects(
    root: dict[str, Any], version: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """One walk over the document: (pointer, reason) for every servable defect in its
    schemas, and (pointer, target) for every internal `$ref` (each target once).

    Locations are kept as (parent, key) links and spelled out only for what is reported:
    a large spec has hundreds of thousands of nodes and a handful of defects."""
    found: list[tuple[str, str]] = []
    refs: dict[str, str] = {}
    is31 = version != "3.0"  # 3.1 or 3.2: JSON Schema 2020-12
    stack: list[tuple[Any, Any, bool]] = [(root, None, False)]
    while stack:
        node, where, data = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and ref not in refs:
                refs[ref] = _pointer(where) + "/$ref"
            if not data and not _CHECKED.isdisjoint(node):
                _check(node, where, is31, found)
            for key, value in node.items():
                kind = type(value)
                if kind is dict or kind is list:
                    inner = data or (key in _DATA_KEYS and (key != "examples" or kind is list))
                    if not inner and type(key) is str and key[:2] == "x-":
                        inner = True
                    stack.append((value, (where, key), inner))
        else:
            stack.extend(
                (v, (where, i), data) for i, v in enumerate(node) if type(v) in _CONTAINERS
            )
    found.sort()
    return found, [(pointer, ref) for ref, pointer in refs.items()]


def _in_schema(where: Any) -> bool:
    """The node at `where` is a schema (where a parameter's or a body's boolean `required`
    is no defect): under `schema`, `items`, a property, a composition or a named schema."""
    if where is None:
        return False
    parent, key = where
    above = parent[1] if parent is not None else None
    return key in _SCHEMA_KEYS or above in _SCHEMA_MAPS


def _pointer(where: Any) -> str:
    keys = []
    while where is not None:
        where, key = where
        keys.append(escape_token(str(key)))
    return "".join("/" + k for k in reversed(keys))


def _check(node: dict[str, Any], where: Any, is31: bool, found: list) -> None:
    here: list[str] = []  # the pointer, spelled out on the first defect

    def add(suffix: str, reason: str) -> None:
        if not here:
            here.append(_pointer(where))
        found.append((here[0] + suffix, reason))

    required = node.get("required")
    if _in_schema(where):
        if "required" in node and not names(required):
            add("/required", "`required` must be a list of property names; ignored")
        if "properties" in node and not isinstance(node["properties"], dict):
            add("/properties", "`properties` must be a map of names to schemas; ignored")
    if isinstance(required, list) and len(set(map(str, required))) != len(required):
        seen: set[Any] = set()
        twice = [n for n in required if isinstance(n, str) and (n in seen or seen.add(n))]
        if twice:
            add("/required", f"names repeated in `required`: {', '.join(dict.fromkeys(twice))}")
    kind = node.get("type")
    if isinstance(kind, str) and kind in _SECURITY_TYPES:
        return  # a security scheme, not a schema
    for reason in _unsatisfiable(node):
        add("", reason)
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    for k in kinds:
        if isinstance(k, str) and k not in JSON_TYPES:
            expected = ", ".join(sorted(JSON_TYPES))
            add("/type", f"unknown type {k!r} (expected one of {expected}); not checked")
    pattern = node.get("pattern")
    if isinstance(pattern, str) and compile_pattern(pattern) is None:
        add("/pattern", f"pattern {pattern!r} does not compile; not checked")
    fmt = node.get("format")
    if (
        isinstance(fmt, str)
        and kinds
        and fmt not in KNOWN_FORMATS
        and not _INT_FORMAT.match(fmt)
        and "properties" not in node
    ):
        add("/format", f"unknown format {fmt!r}; not checked")
    if "$recursiveRef" in node:
        add("/$recursiveRef", "`$recursiveRef` is JSON Schema 2019-09; read as a `$ref` to the "
            "schema with `$recursiveAnchor`")  # fmt: skip
    if is31:
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(node.get(bound), bool):
                add(f"/{bound}", f"boolean `{bound}` is OpenAPI 3.0 syntax; read as 3.0 meant it")


_RANGES = (
    ("minimum", "maximum"),
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minContains", "maxContains"),
)


def _unsatisfiable(node: dict[str, Any]) -> list[str]:
    """Schemas no value can meet: answers for them cannot be valid, whatever is generated."""
    reasons = []
    for low, high in _RANGES:
        if low not in node or high not in node:
            continue
        a, b = node[low], node[high]
        if _number(a) and _number(b) and a > b:
            reasons.append(f"unsatisfiable: {low} {a} is above {high} {b}")
    enum = node.get("enum")
    if isinstance(enum, list) and not enum:
        reasons.append("unsatisfiable: `enum` lists no value")
    required = node.get("required")
    if not isinstance(required, list):
        return reasons
    props = node.get("properties")
    if (
        isinstance(required, list)
        and node.get("additionalProperties") is False
        and not node.get("patternProperties")
        and not any(k in node for k in ("allOf", "anyOf", "oneOf", "$ref"))
    ):
        missing = [n for n in required if not (isinstance(props, dict) and n in props)]
        if missing:
            names = ", ".join(map(str, missing))
            reasons.append(
                f"unsatisfiable: required {names} not in `properties` and "
                "additionalProperties is false"
            )
    high = node.get("maxProperties")
    if isinstance(required, list) and _number(high) and len(set(map(str, required))) > high:
        reasons.append(f"unsatisfiable: {len(required)} required names, maxProperties {high}")
    return reasons


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
