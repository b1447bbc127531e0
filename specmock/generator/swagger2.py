"""Swagger 2.0 documents converted to OpenAPI 3.0 at load (and by `specmock convert`).

Many vendors still publish 2.0. The conversion follows the OpenAPI 3.0 migration
rules: `definitions`, `parameters`, `responses` and `securityDefinitions` move
under `components`; `body` and `formData` parameters become request bodies in
each media type of `consumes`; response schemas become content in each media
type of `produces`; a parameter's type keywords move into its `schema`, and
`collectionFormat` becomes `style`/`explode`. References are rewritten to the
new locations.
"""

from __future__ import annotations

import copy
from typing import Any

OPENAPI_VERSION = "3.0.3"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_SCHEMA_KEYS = (
    "type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    "uniqueItems", "multipleOf",
)  # fmt: skip
_STYLES = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("form", False),  # no 3.0 equivalent; read as csv
}
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def is_swagger2(root: Any) -> bool:
    return isinstance(root, dict) and str(root.get("swagger", "")).startswith("2")


def convert(source: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 document equivalent to a Swagger 2.0 one (the input is not changed)."""
    root = copy.deepcopy(source)
    body_params = {
        name
        for name, p in (root.get("parameters") or {}).items()
        if isinstance(p, dict) and p.get("in") in ("body", "formData")
    }
    _rewrite_refs(root, body_params)
    out: dict[str, Any] = {"openapi": OPENAPI_VERSION}
    for key, value in root.items():
        if key.startswith("x-") or key in ("info", "tags", "externalDocs", "security"):
            out[key] = value
    out.setdefault("info", {"title": "API", "version": "1"})
    servers = _servers(root)
    if servers:
        out["servers"] = servers
    consumes = root.get("consumes") or ["application/json"]
    produces = root.get("produces") or ["application/json"]
    components: dict[str, Any] = {}
    schemas = {k: _schema(v) for k, v in (root.get("definitions") or {}).items()}
    if schemas:
        components["schemas"] = schemas
    params, bodies = {}, {}
    for name, param in (root.get("parameters") or {}).items():
        if name in body_params:
            bodies[name] = _body([param], consumes)
        else:
            params[name] = _parameter(param)
    if params:
        components["parameters"] = params
    if bodies:
        components["requestBodies"] = bodies
    responses = {k: _response(v, produces) for k, v in (root.get("responses") or {}).items()}
    if responses:
        components["responses"] = responses
    schemes = {k: _security(v) for k, v in (root.get("securityDefinitions") or {}).items()}
    if schemes:
        components["securitySchemes"] = schemes
    out["paths"] = {
        path: _path_item(item, consumes, produces, body_params)
        for path, item in (root.get("paths") or {}).items()
        if isinstance(item, dict)
    }
    if components:
        out["components"] = components
    return out


def _servers(root: dict[str, Any]) -> list[dict[str, str]]:
    host = root.get("host")
    base = root.get("basePath") or ""
    if not host:
        return [{"url": base}] if base else []
    schemes = root.get("schemes") or ["https"]
    return [{"url": f"{scheme}://{host}{base}"} for scheme in schemes]


def _rewrite_refs(node: Any, body_params: set[str]) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                item["$ref"] = _new_ref(ref, body_params)
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))


def _new_ref(ref: str, body_params: set[str]) -> str:
    target, mark, fragment = ref.partition("#")
    if not mark:
        return ref
    for old, new in (
        ("/definitions/", "/components/schemas/"),
        ("/responses/", "/components/responses/"),
    ):
        if fragment.startswith(old):
            return f"{target}#{new}{fragment[len(old) :]}"
    if fragment.startswith("/parameters/"):
        name = fragment[len("/parameters/") :]
        kind = "requestBodies" if name in body_params else "parameters"
        return f"{target}#/components/{kind}/{name}"
    return ref


def _schema(node: Any) -> Any:
    """Swagger's schema dialect is 3.0's, but for `type: file`, `x-nullable` and a string
    `discriminator`."""
    if isinstance(node, list):
        return [_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {k: _schema(v) for k, v in value.items()}
        elif key == "x-nullable":
            out["nullable"] = bool(value)
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key == "example" or key.startswith("x-"):
            out[key] = value
        else:
            out[key] = _schema(value) if isinstance(value, dict | list) else value
    if out.get("type") == "file":
        out["type"] = "string"
        out["format"] = "binary"
    return out


def _parameter(param: Any) -> Any:
    if not isinstance(param, dict) or "$ref" in param:
        return param
    out = {k: v for k, v in param.items() if k not in (*_SCHEMA_KEYS, "collectionFormat")}
    out.pop("allowEmptyValue", None)
    schema = _schema({k: param[k] for k in _SCHEMA_KEYS if k in param})
    out["schema"] = schema or {"type": "string"}
    fmt = param.get("collectionFormat")
    if param.get("type") == "array":
        style, explode = _STYLES.get(fmt or "csv", ("form", False))
        if param.get("in") in ("path", "header"):
            style = "simple"
        out["style"] = style
        out["explode"] = explode
    if param.get("allowEmptyValue"):
        out["allowEmptyValue"] = True
    return out


def _body(params: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
    """One request body from a `body` parameter, or from the `formData` ones."""
    body = next((p for p in params if p.get("in") == "body"), None)
    if body is not None:
        schema = _schema(body.get("schema") or {})
        out: dict[str, Any] = {"content": {m: {"schema": schema} for m in consumes}}
        if body.get("description"):
            out["description"] = body["description"]
        if body.get("required"):
            out["required"] = True
        return out
    props, required, files = {}, [], False
    for param in params:
        schema = _parameter(param)["schema"]
        files = files or param.get("type") == "file"
        if param.get("description"):
            schema["description"] = param["description"]
        props[param["name"]] = schema
        if param.get("required"):
            required.append(param["name"])
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    forms = [m for m in consumes if m in (_FORM, _MULTIPART)]
    media = forms or [_MULTIPART if files else _FORM]
    return {"content": {m: {"schema": schema} for m in media}, "required": bool(required)}


def _response(response: Any, produces: list[str]) -> Any:
    if not isinstance(response, dict) or "$ref" in response:
        return response
    out: dict[str, Any] = {"description": response.get("description", "")}
    out.update({k: v for k, v in response.items() if k.startswith("x-")})
    examples = response.get("examples") or {}
    if "schema" in response:
        schema = _schema(response["schema"])
        content = {}
        for media in produces:
            entry: dict[str, Any] = {"schema": schema}
            if media in examples:
                entry["example"] = examples[media]
            content[media] = entry
        out["content"] = content
    headers = {}
    for name, header in (response.get("headers") or {}).items():
        if isinstance(header, dict):
            converted = _parameter({**header, "in": "header"})
            converted.pop("in", None)
            converted.pop("style", None)
            converted.pop("explode", None)
            headers[name] = converted
    if headers:
        out["headers"] = headers
    return out


def _security(scheme: Any) -> Any:
    if not isinstance(scheme, dict):
        return scheme
    kind = scheme.get("type")
    extra = {k: v for k, v in scheme.items() if k.startswith("x-") or k == "description"}
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **extra}
    if kind == "apiKey":
        return {"type": "apiKey", "name": scheme.get("name"), "in": scheme.get("in"), **extra}
    if kind == "oauth2":
        flow = {
            "implicit": "implicit",
            "password": "password",
            "application": "clientCredentials",
            "accessCode": "authorizationCode",
        }.get(scheme.get("flow", ""), "implicit")
        spec: dict[str, Any] = {"scopes": scheme.get("scopes") or {}}
        if flow in ("implicit", "authorizationCode"):
            spec["authorizationUrl"] = scheme.get("authorizationUrl", "")
        if flow in ("password", "clientCredentials", "authorizationCode"):
            spec["tokenUrl"] = scheme.get("tokenUrl", "")
        return {"type": "oauth2", "flows": {flow: spec}, **extra}
    return scheme


def _path_item(
    item: dict[str, Any], consumes: list[str], produces: list[str], body_params: set[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    shared = item.get("parameters") or []
    for key, value in item.items():
        if key in METHODS and isinstance(value, dict):
            out[key] = _operation(value, shared, consumes, produces, body_params)
        elif key != "parameters":
            out[key] = value
    kept = [p for p in shared if not _is_body(p, body_params)]
    if kept:
        out["parameters"] = [_parameter(p) for p in kept]
    return out


def _is_body(param: Any, body_params: set[str]) -> bool:
    if not isinstance(param, dict):
        return False
    ref = param.get("$ref")
    if isinstance(ref, str):
        return ref.startswith("#/components/requestBodies/")
    return param.get("in") in ("body", "formData")


def _operation(
    op: dict[str, Any],
    shared: list[Any],
    consumes: list[str],
    produces: list[str],
    body_params: set[str],
) -> dict[str, Any]:
    consumes = op.get("consumes") or consumes
    produces = op.get("produces") or produces
    out = {
        k: v
        for k, v in op.items()
        if k not in ("consumes", "produces", "parameters", "responses", "schemes")
    }
    own = op.get("parameters") or []
    names = {(p.get("name"), p.get("in")) for p in own if isinstance(p, dict)}
    bodies = [p for p in own if _is_body(p, body_params)]
    if not bodies:  # a path-level body applies unless the operation has its own
        bodies = [
            p
            for p in shared
            if _is_body(p, body_params) and (p.get("name"), p.get("in")) not in names
        ]
    params = [_parameter(p) for p in own if not _is_body(p, body_params)]
    if params:
        out["parameters"] = params
    refs = [p for p in bodies if "$ref" in p]
    if refs:
        out["requestBody"] = {"$ref": refs[0]["$ref"]}
    elif bodies:
        out["requestBody"] = _body(bodies, consumes)
    responses = op.get("responses") or {"default": {"description": ""}}
    out["responses"] = {str(k): _response(v, produces) for k, v in responses.items()}
    return out
