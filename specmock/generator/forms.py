"""Form bodies (urlencoded and multipart) as the values their schema describes.

Fields arrive as lists of strings; bracketed names (`card[exp][month]=1`,
`expand[]=a`, `items[0][id]=7`) are the deepObject style many APIs use for
nested data. Both are turned into typed objects and arrays by walking the schema.
"""

from __future__ import annotations

import re
from typing import Any

from .params import _object_properties, _types, scalar_coercer, text_alternative
from .schema import flatten

_KEY = re.compile(r"\[([^\[\]]*)\]")


def nest(fields: dict[str, list[Any]]) -> dict[str, Any]:
    """`{"a[b]": ["1"], "c": ["2", "3"]}` → `{"a": {"b": ["1"]}, "c": ["2", "3"]}`."""
    out: dict[str, Any] = {}
    for key, values in fields.items():
        head, _, rest = key.partition("[")
        tokens = [head, *_KEY.findall("[" + rest)] if rest else [head]
        node = out
        for token in tokens[:-1]:
            child = node.get(token)
            if not isinstance(child, dict):
                child = node[token] = {}
            node = child
        last = tokens[-1]
        if isinstance(node.get(last), list):  # `expand[]=a&expand[]=b` appends
            node[last].extend(values)
        else:
            node[last] = list(values)
    return out


def coerce(schema: Any, defs: dict[str, Any], value: Any) -> Any:
    """Type a nested form value by its schema; what cannot be typed stays a string."""
    flat = flatten(schema, defs)
    kinds = _types(flat)
    if isinstance(value, dict):
        if list(value) == [""] and ("array" in kinds or "object" not in kinds):
            return coerce(schema, defs, value[""])  # `expand[]=a`; an object keeps key ""
        if "array" in kinds and value and all(k.isdigit() for k in value):
            items = flat.get("items", {}) if isinstance(flat, dict) else {}
            return [coerce(items, defs, value[k]) for k in sorted(value, key=int)]
        props = _object_properties(flat, defs)
        extra = flat.get("additionalProperties") if isinstance(flat, dict) else None
        fallback = extra if isinstance(extra, dict) else {}
        return {k: coerce(props.get(k, fallback), defs, v) for k, v in value.items()}
    values = [
        v if isinstance(v, str) else getattr(v, "filename", "") or "file"
        for v in (value if isinstance(value, list) else [value])
    ]
    if "array" in kinds and not (len(values) == 1 and text_alternative(flat, defs, values[0])):
        items = flat.get("items", {}) if isinstance(flat, dict) else {}
        return [coerce(items, defs, v) for v in values]
    return scalar_coercer(flat, defs)(values[-1]) if values else ""


def coerce_fields(
    schema: Any, defs: dict[str, Any], fields: dict[str, list[Any]], encoding: dict[str, Any]
) -> dict[str, Any]:
    """The body object: each top-level field typed by its property.

    Bracketed and plain names are both read whatever the `encoding` declares: clients
    differ, and `expand=a` is on the wire both a string and an array of one item, so an
    array property takes it as the latter.
    """
    flat = flatten(schema, defs)
    props = _object_properties(flat, defs)
    extra = flat.get("additionalProperties") if isinstance(flat, dict) else None
    fallback = extra if isinstance(extra, dict) else {}
    out: dict[str, Any] = {}
    for name, value in nest(fields).items():
        out[name] = coerce(props.get(name, fallback), defs, value)
    return out
