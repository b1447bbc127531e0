"""Request validation against the compiled Plan.

Every check yields `Violation`s (where, which rule, what is wrong) instead of
stopping at the first, so one answer tells a client everything it got wrong.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson

from ..generator import forms
from ..generator.params import MISSING, ParamError, RawRequest
from ..generator.plan import Media, Operation
from ..generator.xmlcodec import from_xml, is_xml
from . import verdicts
from .negotiation import base_type, find_declared, is_json


@dataclass(frozen=True)
class Violation:
    """One broken rule: `in` is path/query/header/cookie/body/security."""

    location: str
    pointer: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "in": self.location,
            "pointer": self.pointer,
            "rule": self.rule,
            "message": self.message,
        }


class Rejection(Exception):
    """A request refused before the body could be checked (401, 413, 415)."""

    def __init__(self, status: int, violations: list[Violation], headers: dict | None = None):
        super().__init__(violations[0].message if violations else str(status))
        self.status = status
        self.violations = violations
        self.headers = headers or {}


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def schema_violations(validator: Any, value: Any, location: str, prefix: str) -> list[Violation]:
    out = []
    for error in validator.iter_errors(value):
        for leaf in _leaves(error):
            path = prefix + "".join("/" + _escape(t) for t in leaf.instance_path)
            rule = next(
                (
                    str(t)
                    for t in reversed(leaf.schema_path)
                    if isinstance(t, str) and not t.isdigit()
                ),
                "schema",
            )
            if rule == "required":
                missing = _missing_name(leaf.message)
                if missing is not None:
                    path = f"{path}/{_escape(missing)}"
            out.append(Violation(location, path or "/", rule, _said(rule, leaf)))
    return out


def _said(rule: str, error: Any) -> str:
    """The validator's message, except where it only repeats the schema: `not: {required:
    [a, b]}` (fields that exclude each other) is said in words."""
    excluded = getattr(getattr(error, "kind", None), "schema", None)
    if rule == "not" and isinstance(excluded, dict) and list(excluded) == ["required"]:
        names = " and ".join(f"{n!r}" for n in excluded["required"])
        return f"{names} cannot be given together"
    return _short(error.message)


def _leaves(error: Any, depth: int = 0) -> list[Any]:
    """For a failed oneOf/anyOf, the errors of the branch the value came closest to.

    "not valid under any of the schemas" names no field; the nearest branch does. A branch
    refused only for its type at the same place is not near; of the rest, the fewest errors.
    """
    branches = getattr(getattr(error, "kind", None), "context", None)
    if not branches or depth > 8:
        return [error]
    here = list(error.instance_path)
    near = [
        b
        for b in branches
        if b
        and not all(
            list(e.instance_path) == here
            and e.schema_path
            and e.schema_path[-1] in ("type", "const")
            for e in b
        )
    ]
    if not near:
        return [error]
    best = min(near, key=len)
    return [leaf for e in best for leaf in _leaves(e, depth + 1)]


def _short(message: str, limit: int = 200) -> str:
    """Validator messages quote the offending value; a 5 MB value makes a useless message."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _missing_name(message: str) -> str | None:
    if message.startswith('"') and '" is a required property' in message:
        return message[1 : message.index('" is a required property')]
    return None


def check_params(op: Operation, raw: RawRequest) -> tuple[dict[str, Any], list[Violation]]:
    values: dict[str, Any] = {}
    problems: list[Violation] = []
    for param in op.params:
        where = f"/{_escape(param.name)}"
        try:
            value = param.extract(raw)
        except ParamError as exc:
            problems.append(Violation(param.location, where, exc.rule, str(exc)))
            continue
        if value is MISSING:
            if param.required:
                message = f"{param.location} parameter {param.name!r} is required"
                problems.append(Violation(param.location, where, "required", message))
            continue
        values[param.name] = value
        validator = op.param_validator(param)
        if not validator.is_valid(value):
            problems.extend(schema_violations(validator, value, param.location, where))
    return values, problems


def check_security(
    op: Operation, schemes: dict[str, Any], raw: RawRequest, accepted: frozenset[str] = frozenset()
) -> None:
    """Raise 401 unless one of the operation's security alternatives is satisfied.

    With no `accepted` credentials configured any well-formed credential passes;
    otherwise the key, token or `user:password` must be one of them.
    """
    if not op.security:
        return
    missing: list[str] = []
    for alternative in op.security:
        if not alternative:
            return
        lacking = [
            name for name in alternative if not _has_credentials(schemes.get(name), raw, accepted)
        ]
        if not lacking:
            return
        missing.extend(lacking)
    names = ", ".join(dict.fromkeys(missing))
    violation = Violation(
        "security", "/", "security", f"missing or malformed credentials for {names}"
    )
    raise Rejection(401, [violation], {"WWW-Authenticate": _challenge(schemes, missing)})


def _challenge(schemes: dict[str, Any], names: list[str]) -> str:
    for name in names:
        scheme = schemes.get(name) or {}
        if scheme.get("type") == "http":
            return str(scheme.get("scheme", "bearer")).capitalize()
        if scheme.get("type") in ("oauth2", "openIdConnect"):
            return "Bearer"
    return "ApiKey"


def _has_credentials(scheme: Any, raw: RawRequest, accepted: frozenset[str]) -> bool:
    if not isinstance(scheme, dict):
        return True  # an undeclared scheme name is a lint warning, not the client's fault
    value = _credential(scheme, raw)
    if not value:
        return False
    return not accepted or value in accepted


def _credential(scheme: dict[str, Any], raw: RawRequest) -> str | None:
    """The credential a request offers for one scheme, or None when it offers none."""
    kind = scheme.get("type")
    if kind == "apiKey":
        name = str(scheme.get("name", ""))
        where = scheme.get("in")
        if where == "query":
            values = raw.query.get(name)
            return values[-1] if values else None
        if where == "cookie":
            return raw.cookies.get(name)
        return raw.headers.get(name.lower())
    given, _, value = raw.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if kind == "http":
        wanted = str(scheme.get("scheme", "")).lower()
        if given.lower() != wanted or not value:
            return None
        return _basic(value) if wanted == "basic" else value
    if kind in ("oauth2", "openIdConnect"):
        return value if given.lower() == "bearer" and value else None
    return "any"


def _basic(value: str) -> str | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if ":" in decoded else None


def select_body_media(op: Operation, content_type: str | None, body: bytes) -> Media | None:
    """The declared media type of the request body; raises 415 for an undeclared one."""
    spec = op.body
    if spec is None or not spec.content:
        return None
    if not content_type:
        if not body:
            return None
        if len(spec.content) == 1:  # no Content-Type, one declared type: read the body as it
            return next(iter(spec.content.values()))
        content_type = "application/octet-stream"
    declared = find_declared(spec.content, content_type)
    if declared is None:
        message = (
            f"content type {base_type(content_type)!r} is not accepted; "
            f"declared: {', '.join(spec.content)}"
        )
        raise Rejection(415, [Violation("header", "/content-type", "content-type", message)])
    return spec.content[declared]


def parse_body(
    media: Media, content_type: str, body: bytes, form: Any, root: dict[str, Any] | None = None
) -> Any:
    """Turn raw bytes into the value the schema describes; raises ValueError on bad syntax.
    XML is read through the schema's `xml` objects (refs resolved against `root`)."""
    kind = base_type(content_type)
    if is_json(kind) or is_json(media.media_type):
        return orjson.loads(body)
    if (is_xml(kind) or is_xml(media.media_type)) and media.schema is not None:
        return from_xml(body, media.schema, root or {})
    if kind == "application/x-www-form-urlencoded":
        text = body.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, strict_parsing=False)
    if kind.startswith("multipart/"):
        return form
    if kind.startswith("text/"):
        return body.decode("utf-8")
    return base64.b64encode(body).decode() if body else ""


def coerce_form(op: Operation, media: Media, fields: dict[str, list[Any]]) -> dict[str, Any]:
    """Form fields arrive as strings; give them the shapes and types the schema declares."""
    bundle = op.compiler.bundle(media.schema, "request")
    return forms.coerce_fields(
        bundle.schema if media.schema is not None else {}, bundle.defs, fields, media.encoding
    )


def check_body(
    op: Operation, media: Media | None, value: Any, raw: bytes | None = None
) -> list[Violation]:
    """The body's violations; `raw`, the JSON text `value` was parsed from, lets a body
    judged valid before skip the schema walk (see verdicts.py)."""
    if op.body is None:
        return []
    if media is None or value is MISSING:
        if op.body.required:
            return [Violation("body", "/", "required", "a request body is required")]
        return []
    if media.schema is None:
        return []
    validator = op.compiler.validator(media.schema, "request", media.pointer)
    if raw is not None:
        return verdicts.checked(validator, raw, lambda: _violations(validator, media, value))
    return _violations(validator, media, value)


def _violations(validator: Any, media: Media, value: Any) -> list[Violation]:
    if validator.is_valid(value):
        return []
    found = schema_violations(validator, value, "body", "")
    if _valid_as_json_text(validator, media, value, found):
        return []
    return found


def _valid_as_json_text(validator: Any, media: Media, value: Any, found: list[Violation]) -> bool:
    """A `text/*` body is text, but some specs give it a schema no string meets (`type:
    object, format: file` from converted Swagger files, a number): such a value can only
    travel as its JSON spelling, so that spelling is what is checked."""
    kind = media.media_type
    if not isinstance(value, str) or not kind.startswith("text/") or is_xml(kind):
        return False
    if not all(v.pointer == "/" and v.rule == "type" for v in found):
        return False
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return False
    return not isinstance(parsed, str) and validator.is_valid(parsed)
