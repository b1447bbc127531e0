"""The contract side of callbacks: what an operation's OpenAPI `callbacks` object declares.

An operation's `callbacks` object says where a notification goes (a runtime expression such
as `{$request.body#/callback_url}`), with which method and in which shape. It is read once
(`declared_callbacks`), the expression is evaluated against the request that created the
resource (`expand`), and a payload is checked against the declared schema before it is
sent (`payload_errors`): everything specmock sends must fit its spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_EXPRESSION = re.compile(r"\{(\$[^{}]+)\}")


@dataclass(frozen=True)
class DeclaredCallback:
    """One callback of an operation: its name, URL expression, method and payload schema."""

    name: str
    expression: str
    method: str
    schema: dict[str, Any]


def declared_callbacks(root: dict[str, Any], path: str, method: str) -> list[DeclaredCallback]:
    """The callbacks an operation declares, with `$ref`s to components followed."""
    operation = root.get("paths", {}).get(path, {}).get(method.lower(), {})
    found = []
    for name, item in (operation.get("callbacks") or {}).items():
        item = _deref(root, item)
        for expression, path_item in item.items():
            for verb, op in _deref(root, path_item).items():
                if verb.lower() not in ("get", "put", "post", "delete", "patch"):
                    continue
                content = _deref(root, op.get("requestBody", {})).get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                found.append(DeclaredCallback(name, expression, verb.upper(), schema))
    return found


_VALIDATORS: dict[tuple[int, str, str, str], Any] = {}


def payload_errors(root: dict[str, Any], callback: DeclaredCallback, payload: Any) -> list[str]:
    """Why a payload breaks the callback's declared schema (empty when it fits).

    The validator is compiled once per spec document and callback, not per notification.
    """
    key = (id(root), callback.name, callback.expression, callback.method)
    validator = _VALIDATORS.get(key)
    if validator is None:
        import jsonschema

        schema = {**callback.schema, "components": root.get("components", {})}
        validator = jsonschema.Draft202012Validator(schema)
        _VALIDATORS[key] = validator
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
        for e in validator.iter_errors(payload)
    ]


def expand(expression: str, request: dict[str, Any]) -> str:
    """Evaluate OpenAPI runtime expressions in a callback key.

    `request` holds what the creating request carried: `body`, `query`, `headers`, `path`
    (path parameters), `url` and `method`. Supports `$request.body#/pointer`,
    `$request.query.x`, `$request.header.x`, `$request.path.x`, `$url` and `$method`.
    """

    def one(match: re.Match[str]) -> str:
        value = _evaluate(match.group(1), request)
        if value is None:
            raise ValueError(f"runtime expression {match.group(1)} has no value")
        return str(value)

    return _EXPRESSION.sub(one, expression)


def _evaluate(expr: str, request: dict[str, Any]) -> Any:
    if expr == "$url":
        return request.get("url")
    if expr == "$method":
        return request.get("method")
    if expr.startswith("$request.body"):
        pointer = expr.partition("#")[2]
        return _pointer(request.get("body"), pointer)
    for source, key in (("query", "query"), ("header", "headers"), ("path", "path")):
        prefix = f"$request.{source}."
        if expr.startswith(prefix):
            name = expr[len(prefix) :]
            values = request.get(key) or {}
            if source == "header":
                values = {k.lower(): v for k, v in values.items()}
                name = name.lower()
            value = values.get(name)
            return value[0] if isinstance(value, list) and value else value
    raise ValueError(f"unsupported runtime expression {expr}")


def _pointer(doc: Any, pointer: str) -> Any:
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _deref(root: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = _pointer(root, node["$ref"].partition("#")[2]) or {}
    return node
