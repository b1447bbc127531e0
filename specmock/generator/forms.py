"""Form bodies (urlencoded and multipart) as the values their schema describes.

Fields arrive as lists of strings; bracketed names (`card[exp][month]=1`,
`expand[]=a`, `items[0][id]=7`) are the deepObject style many APIs use for
nested data. Both are turned into typed objects and arrays by walking the schema.
"""

from __future__ import annotations

import re
from typing import Any

from .params import _object_properties, _types, scalar_coercer
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
        if list(value) == [""]:
            return coerce(schema, defs, value[""])
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
    if "array" in kinds:
        items = flat.get("items", {}) if isinstance(flat, dict) else {}
        return [coerce(items, defs, v) for v in values]
    return scalar_coercer(flat, defs)(values[-1]) if values else ""


def coerce_fields(
    schema: Any, defs: dict[str, Any], fields: dict[str, list[Any]], encoding: dict[str, Any]
) -> dict[str, Any]:
    """The body object: each top-level field typed by its property and its `encoding`.

    A field whose encoding is `deepObject` must arrive bracketed (`expand[]=a`); sent plain
    (`expand=a`) it stays a string, and the validator says so.
    """
    flat = flatten(schema, defs)
    props = _object_properties(flat, defs)
    extra = flat.get("additionalProperties") if isinstance(flat, dict) else None
    fallback = extra if isinstance(extra, dict) else {}
    out: dict[str, Any] = {}
    for name, value in nest(fields).items():
        prop = props.get(name, fallback)
        style = (encoding.get(name) or {}).get("style")
        if style == "deepObject" and isinstance(value, list):
            out[name] = value[-1] if value and isinstance(value[-1], str) else value
        else:
            out[name] = coerce(prop, defs, value)
    # A form cannot spell an empty array: a required array that is absent was sent empty.
    for name in flat.get("required") or [] if isinstance(flat, dict) else []:
        if name not in out and "array" in _types(flatten(props.get(name, {}), defs)):
            out[name] = []
    return out
