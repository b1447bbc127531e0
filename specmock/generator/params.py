"""Parameter deserialization compiled from `style`/`explode` and the schema's types.

Each parameter becomes one `extract` closure: it reads the raw request data
for its location and returns a typed value (or `MISSING`), so that validation
sees `7`, not `"7"`, exactly as a client meant it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from .schema import Bundle, flatten

MISSING: Any = object()
# ASCII only: Python's int() and float() also take "1_0" and non-ASCII digits.
_INT = re.compile(r"-?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)
Coerce = Callable[[str], Any]

_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


class ParamError(ValueError):
    """A raw parameter value that cannot be read with the declared style."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


@dataclass
class RawRequest:
    """The request's parameter sources, parsed once per request."""

    path: Mapping[str, str]
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    cookies: Mapping[str, str]
    # Undecoded query values: a delimiter inside an item arrives percent-encoded, so
    # `explode: false` values are split before they are decoded.
    query_raw: Mapping[str, list[str]] = field(default_factory=dict)


def _types(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["string"]
    kind = schema.get("type")
    if isinstance(kind, list):
        return kind
    if kind:
        return [kind]
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            return [t for s in schema[key] if isinstance(s, dict) for t in _types(s)] or ["string"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return sorted({_json_type(v) for v in schema["enum"]})
    return ["string"]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "null" if value is None else "string"


def scalar_coercer(schema: Any, defs: dict[str, Any]) -> Coerce:
    """Turn a string into the first declared scalar type it parses as."""
    # parse as a number, boolean or null first; text is the fallback whatever the order
    kinds = sorted(_types(flatten(schema, defs)), key=lambda k: k in ("string", "array", "object"))

    def coerce(raw: str) -> Any:
        for kind in kinds:
            if kind == "integer" and _INT.fullmatch(raw):
                return _integer(raw)
            if kind == "number" and _NUMBER.fullmatch(raw):
                value = float(raw)
                if value in (float("inf"), float("-inf")):
                    continue
                return _integer(raw) if _INT.fullmatch(raw) else value
            if kind == "boolean" and raw in ("true", "false"):
                return raw == "true"
            if kind == "null" and raw in ("", "null"):
                return None
            if kind in ("string", "array", "object"):
                return raw
        return raw

    return coerce


def text_alternative(flat: Any, defs: dict[str, Any], raw: str) -> bool:
    """Whether a one-value field is better read as this text than as an array of one:
    the schema offers a string beside the array and the text fits it (Stripe writes
    "unset" as `anyOf: [array, {enum: [""]}]`, and `custom_fields=` on the wire)."""
    if not isinstance(flat, dict):
        return False
    for key in ("anyOf", "oneOf"):
        for branch in flat.get(key) or ():
            branch = flatten(branch, defs)
            if not isinstance(branch, dict) or "string" not in _types(branch):
                continue
            if "array" in _types(branch) or "object" in _types(branch):
                continue
            enum = branch.get("enum")
            if not isinstance(enum, list) or raw in enum:
                return True
    return False


def _integer(raw: str) -> int | float:
    """An integer as a JSON body would carry it: past 64 bits a float, as orjson reads it
    (and can write it back: a larger int breaks every answer and ETag that holds it)."""
    value = int(raw)
    return value if -(2**63) <= value < 2**64 else float(raw)


def value_coercer(schema: Any, defs: dict[str, Any]) -> Callable[[list[str]], Any]:
    """Coerce a list of raw values (one for scalars, several for arrays) by the schema."""
    flat = flatten(schema, defs)
    kinds = _types(flat)
    if "array" in kinds:
        items = flat.get("items", {}) if isinstance(flat, dict) else {}
        item = scalar_coercer(items, defs)

        def to_array(values: list[str]) -> Any:
            if len(values) == 1 and text_alternative(flat, defs, values[0]):
                return values[0]
            return [item(v) for v in values]

        return to_array
    if "object" in kinds:
        props = _object_properties(flat, defs)
        coercers = {k: scalar_coercer(v, defs) for k, v in props.items()}
        extra = flat.get("additionalProperties") if isinstance(flat, dict) else None
        fallback = scalar_coercer(extra if isinstance(extra, dict) else {}, defs)
        scalar = scalar_coercer(flat, defs) if set(kinds) - {"object"} else None

        def to_object(values: list[str]) -> Any:
            if scalar is not None and len(values) == 1 and "=" not in values[0]:
                return scalar(values[0])  # anyOf [object, integer] sent as one plain value
            return {k: coercers.get(k, fallback)(v) for k, v in _pairs(values)}

        return to_object
    one = scalar_coercer(flat, defs)
    return lambda values: one(values[0]) if values else MISSING


def _object_properties(flat: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """Properties of an object schema, or of the object branches of its oneOf/anyOf."""
    if not isinstance(flat, dict):
        return {}
    props = dict(flat.get("properties") or {})
    for key in ("oneOf", "anyOf"):
        for branch in flat.get(key) or []:
            branch = flatten(branch, defs)
            if isinstance(branch, dict):
                for name, schema in (branch.get("properties") or {}).items():
                    props.setdefault(name, schema)
    return props


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    if len(values) == 1 and "=" in values[0]:
        return [tuple(p.split("=", 1)) for p in values[0].split(",") if p]  # type: ignore[misc]
    return list(zip(values[::2], values[1::2], strict=False))


@dataclass
class ParamSpec:
    """One declared parameter, compiled."""

    name: str
    location: str
    required: bool
    pointer: str
    schema: Any
    extract: Callable[[RawRequest], Any]
    # `x-specmock-greedy: true` on the last path parameter: it takes the rest of the path,
    # slashes included (object keys, file paths)
    greedy: bool = False


def compile_param(raw: dict[str, Any], schema: Any, bundle: Bundle, pointer: str) -> ParamSpec:
    """Compile one parameter; `schema` is the spec's node, `bundle` its normalized form."""
    name, location = raw["name"], raw["in"]
    style = raw.get("style") or _DEFAULT_STYLE[location]
    explode = raw.get("explode", style == "form")
    required = bool(raw.get("required", location == "path"))
    if "content" in raw:
        extract = _json_extract(name, location)
    else:
        normalized, defs = bundle.schema, bundle.defs
        kinds = _types(flatten(normalized, defs))
        coerce = value_coercer(normalized, defs)
        extract = _extractor(name, location, style, explode, kinds, coerce)
    greedy = location == "path" and raw.get("x-specmock-greedy") is True
    return ParamSpec(name, location, required, pointer, schema, extract, greedy)


def _json_extract(name: str, location: str) -> Callable[[RawRequest], Any]:
    def extract(req: RawRequest) -> Any:
        raw = _single(req, name, location)
        if raw is MISSING:
            return MISSING
        try:
            return json.loads(raw)
        except ValueError:
            raise ParamError(
                "content", f"{location} parameter {name!r} is not valid JSON"
            ) from None

    return extract


def _single(req: RawRequest, name: str, location: str) -> Any:
    if location == "query":
        values = req.query.get(name)
        return values[0] if values else MISSING
    if location == "header":
        return req.headers.get(name.lower(), MISSING)
    if location == "cookie":
        return req.cookies.get(name, MISSING)
    return req.path.get(name, MISSING)


def _extractor(name, location, style, explode, kinds, coerce) -> Callable[[RawRequest], Any]:
    is_array, is_object = "array" in kinds, "object" in kinds
    if location == "query":
        only_object = is_object and not set(kinds) - {"object"}
        return _query_extractor(name, style, explode, is_array, only_object, coerce)

    def extract(req: RawRequest) -> Any:
        raw = _single(req, name, location)
        if raw is MISSING:
            return MISSING
        if location == "path":
            raw = _strip_path_style(raw, name, style)
        if is_array or is_object:
            sep = "," if style != "label" else "."
            parts = raw.split(sep) if raw != "" else []
            if is_object and explode:
                parts = [p.replace("=", ",", 1) for p in parts]
                parts = ",".join(parts).split(",") if parts else []
            return coerce(parts)
        return coerce([raw])

    return extract


def _strip_path_style(raw: str, name: str, style: str) -> str:
    if style == "label":
        if not raw.startswith("."):
            raise ParamError("style", f"path parameter {name!r} must use label style '.value'")
        return raw[1:]
    if style == "matrix":
        prefix = f";{name}="
        if not raw.startswith(prefix):
            raise ParamError("style", f"path parameter {name!r} must use matrix style ';{name}=v'")
        return raw[len(prefix) :].replace(prefix, ",")
    return raw


def _split(req: RawRequest, name: str, values: list[str], sep: str) -> list[str]:
    raw = req.query_raw.get(name)
    if raw is None:
        return values[-1].split(sep) if values[-1] != "" else []
    if raw[-1] == "":
        return []
    encoded = {" ": ("%20", "+"), "|": ("%7C", "%7c"), ",": ("%2C", "%2c")}.get(sep, ())
    text = raw[-1]
    if sep == " ":
        parts = text.replace("%20", "+").split("+")
    else:
        parts = text.split(sep) if sep in text or not encoded else _split_encoded(text, encoded)
    return [unquote_plus(p) for p in parts]


def _split_encoded(text: str, encoded: tuple[str, ...]) -> list[str]:
    """Clients that percent-encode the delimiter itself (`a%2Cb`) mean it as the delimiter."""
    for token in encoded:
        text = text.replace(token, "\0")
    return text.split("\0")


def _query_extractor(
    name, style, explode, is_array, is_object, coerce
) -> Callable[[RawRequest], Any]:
    if style == "deepObject":
        prefix = name + "["

        def deep(req: RawRequest) -> Any:
            found = [
                (k[len(prefix) : -1], v[-1])
                for k, v in req.query.items()
                if k.startswith(prefix) and k.endswith("]")
            ]
            if is_array:  # deepObject says nothing of arrays: name=a&name=b or name[]=a
                values = [*req.query.get(name, []), *(v for _, v in found)]
                return coerce(values) if values else MISSING
            if name in req.query:
                if not is_object:  # a schema that also allows a scalar takes name=value
                    return coerce(req.query[name][-1:])
                raise ParamError(
                    "style", f"query parameter {name!r} is a deepObject: send {name}[key]=value"
                )
            if not found:
                return MISSING
            if any("][" in key for key, _ in found):  # name[a][b]: nesting, not a key
                raise ParamError(
                    "style", f"query parameter {name!r}: nested deepObject keys are not supported"
                )
            return coerce([item for pair in found for item in pair])

        return deep
    if is_object and explode:

        def exploded(req: RawRequest) -> Any:
            pairs = [item for k, v in req.query.items() for item in (k, v[-1])]
            value = coerce(pairs)
            return value if value else MISSING

        return exploded
    sep = _DELIMITERS.get(style, ",")
    explode_any = is_array  # repeated names only ever make an array

    def extract(req: RawRequest) -> Any:
        values = req.query.get(name)
        if values is None:
            return MISSING
        if is_array:
            if not explode:
                values = _split(req, name, values, sep)
            return coerce(values)
        if len(values) > 1 and not explode_any:
            raise ParamError(
                "style", f"query parameter {name!r} takes one value, got {len(values)}"
            )
        if is_object:
            return coerce(_split(req, name, values, ","))
        return coerce(values[-1:])

    return extract
