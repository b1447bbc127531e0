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
# Keys whose values are data, not schemas or spec structure.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
_INT_FORMAT = re.compile(r"^u?int\d+$")


def document_defects(root: dict[str, Any], version: str) -> list[tuple[str, str]]:
    """(pointer, reason) for every servable defect in the document's schemas."""
    found: list[tuple[str, str]] = []
    is31 = version == "3.1"
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            _check(node, pointer, is31, found)
            for key, value in node.items():
                if isinstance(value, dict | list) and not _is_data(key, value):
                    stack.append((value, f"{pointer}/{escape_token(str(key))}"))
        elif isinstance(node, list):
            stack.extend(
                (v, f"{pointer}/{i}") for i, v in enumerate(node) if isinstance(v, dict | list)
            )
    found.sort()
    return found


def _is_data(key: Any, value: Any) -> bool:
    if not isinstance(key, str):
        return False
    if key.startswith("x-"):
        return True
    # `examples` is a map of Example objects in OpenAPI, a list of values in JSON Schema
    return key in _DATA_KEYS and not (key == "examples" and isinstance(value, dict))


def _check(node: dict[str, Any], pointer: str, is31: bool, found: list) -> None:
    required = node.get("required")
    if isinstance(required, list):
        seen: set[Any] = set()
        twice = [n for n in required if isinstance(n, str) and (n in seen or seen.add(n))]
        if twice:
            names = ", ".join(dict.fromkeys(twice))
            found.append((pointer + "/required", f"names repeated in `required`: {names}"))
    kind = node.get("type")
    if isinstance(kind, str) and kind in _SECURITY_TYPES:
        return  # a security scheme, not a schema
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    for k in kinds:
        if isinstance(k, str) and k not in JSON_TYPES:
            reason = f"unknown type {k!r} (expected one of {', '.join(sorted(JSON_TYPES))})"
            found.append((pointer + "/type", reason + "; not checked"))
    pattern = node.get("pattern")
    if isinstance(pattern, str) and compile_pattern(pattern) is None:
        found.append((pointer + "/pattern", f"pattern {pattern!r} does not compile; not checked"))
    fmt = node.get("format")
    if (
        isinstance(fmt, str)
        and kinds
        and fmt not in KNOWN_FORMATS
        and not _INT_FORMAT.match(fmt)
        and "properties" not in node
    ):
        found.append((pointer + "/format", f"unknown format {fmt!r}; not checked"))
    if is31:
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(node.get(bound), bool):
                reason = f"boolean `{bound}` is OpenAPI 3.0 syntax; read as 3.0 meant it"
                found.append((f"{pointer}/{bound}", reason))
