"""Differential test: specmock's request verdicts against openapi-core's.

For each spec a seeded enumerator builds requests straight from the contract's
schemas (its own small generator, independent of specmock): valid ones, and
invalid ones that break exactly one rule (wrong type in a path/query/header/
cookie parameter or form field, out-of-range number, bad enum, bad length or
pattern, missing required body field, missing body, ...). Each request is sent
to specmock through the ASGI app and validated by openapi-core 0.23
(`OpenAPI.validate_request` on `openapi_core.testing.MockRequest`), and the two
verdicts must agree: specmock accepts (2xx) exactly what openapi-core accepts,
and rejects (400/422) exactly what it rejects. Every case also carries the
verdict it was built for, which openapi-core must reproduce, so a generator
slip cannot pass for agreement.

How the oracle is fed (openapi-core 0.23 adapter quirks, not disagreements):

* `application/merge-patch+json` has no deserializer in openapi-core, which
  would validate the raw bytes; the spec means JSON, so a JSON one is configured.
* label/matrix path parameters are looked up under `.name` / `;name` keys that
  its path finder never fills, so those values are passed as `view_args`.
* spaceDelimited values are split on a literal `%20`, i.e. on the undecoded
  query string, so that one value is handed over percent-encoded.
* the server URL is matched: requests go to `http://localhost` + server path.

Legitimate disagreements are kept out of the generator and listed here:

* readOnly properties in a request body: openapi-core rejects them, specmock
  ignores them (OAS 3.0: they "SHOULD NOT be sent"; either is conforming).
  Valid bodies never contain them and no mutation adds them.
* an empty `explode: false` array (`tag=`): openapi-core reads `['']`, specmock
  `[]`; the serialization is ambiguous, so generated arrays are never empty there.
* a label-style path value without its leading dot: openapi-core strips the first
  character whatever it is, specmock answers 400; `test_label_without_dot`
  pins specmock's (correct) answer instead of comparing.
* multipart array fields (`tags` parts): openapi-core leaves every repeated part as
  bytes and then finds `b'x'` "not of type 'string'", so it rejects all of them;
  multipart requests here never carry array fields.
* integral floats (`2.0`) for `type: integer`: JSON Schema 2020-12 (specmock)
  accepts them, openapi-core's OAS 3.0 dialect does not; never generated.
* boolean form fields spelled `True` or `1`: openapi-core casts them, specmock
  takes only `true`/`false`; no serialization rule settles it, never generated.
* `NaN` in a JSON body (not JSON; openapi-core's json.loads takes it) and `1e400`
  (RFC 8259 lets parsers limit number range; specmock's does): never generated.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

import pytest
import rstr
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import (
    RequestValidationError,
    SecurityValidationError,
)

from .conftest import SPECS, TEST_SPECS, client_for

API_KEY = "diff-key"
USER, PASSWORD = "diff-user", "diff-pass"
CREDENTIALS = [API_KEY, f"{USER}:{PASSWORD}"]
AUTH = {
    "X-API-Key": API_KEY,
    "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
}
HOST = "http://localhost"
PER_SPEC = 300
SPEC_FILES = {
    "tests/petstore": TEST_SPECS / "petstore.yaml",
    "tests/forms": TEST_SPECS / "forms.yaml",
    "specs/petstore": SPECS / "petstore.yaml",
}
JSON_TYPES = ("application/json", "application/merge-patch+json")
FORM = "application/x-www-form-urlencoded"
EMPTY = "empty value"
# KNOWN BUGS: cases that meet one are compared in test_known_bug_*, not in the main test.
EMPTY_STRING_BUG = (
    "a deliberate divergence: specmock accepts an empty value (`?tag=`) for a string query "
    "parameter whose schema allows \"\", as schemathesis and most servers do; openapi-core "
    "reads `allowEmptyValue: false` (the OAS 3.0 default, deprecated in 3.1) as forbidding it"
)
MULTIPART = "multipart/form-data"


# -- the contract, read independently of specmock ---------------------------------


class Spec:
    def __init__(self, path: Path):
        self.path = path
        self.root = yaml.safe_load(path.read_text())
        url = (self.root.get("servers") or [{"url": "/"}])[0]["url"]
        self.prefix = urlparse(url).path.rstrip("/")
        self.ops = [
            Op(self, template, method, item, raw)
            for template, item in self.root["paths"].items()
            for method, raw in item.items()
            if method in ("get", "put", "post", "patch", "delete")
        ]

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.root
            for token in node["$ref"].removeprefix("#/").split("/"):
                target = target[token]
            node = target
        return node


@dataclass
class Param:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    style: str
    explode: bool


class Op:
    def __init__(self, spec: Spec, template: str, method: str, item: dict, raw: dict):
        self.spec = spec
        self.template = template
        self.method = method.upper()
        self.label = raw.get("operationId", f"{method} {template}")
        params = {}
        for node in [*item.get("parameters", []), *raw.get("parameters", [])]:
            p = spec.resolve(node)
            style = p.get("style", {"path": "simple", "header": "simple"}.get(p["in"], "form"))
            params[(p["name"], p["in"])] = Param(
                p["name"],
                p["in"],
                p.get("required", False),
                spec.resolve(p["schema"]),
                style,
                p.get("explode", style == "form"),
            )
        self.params = list(params.values())
        body = spec.resolve(raw.get("requestBody")) if raw.get("requestBody") else None
        self.body_required = bool(body and body.get("required"))
        self.media = {
            media: _oracle_readable(media, spec.resolve(content["schema"]), spec)
            for media, content in (body or {}).get("content", {}).items()
        }


def _oracle_readable(media: str, schema: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """A multipart schema without its array fields (see the module docstring)."""
    if media != MULTIPART:
        return schema
    props = {
        name: sub
        for name, sub in schema.get("properties", {}).items()
        if spec.resolve(sub).get("type") != "array"
    }
    assert set(schema.get("required", [])) <= set(props)
    return {**schema, "properties": props}


# -- values -----------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
WIDE = "aé ß漢字😀𝄞"  # lengths count code points, not bytes or UTF-16 units


def _text(rng: random.Random, low: int, high: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


class Values:
    """Valid and one-rule-broken values for the specs' (OpenAPI 3.0) schemas."""

    def __init__(self, spec: Spec, rng: random.Random):
        self.spec = spec
        self.rng = rng

    def schema(self, node: Any) -> dict[str, Any]:
        node = self.spec.resolve(node)
        assert "allOf" not in node and "oneOf" not in node, "request schemas here are plain"
        return node

    # valid ---------------------------------------------------------------------
    def valid(self, node: Any, text: bool = False, where: str = "body") -> Any:
        s, rng = self.schema(node), self.rng
        if s.get("nullable") and not text and rng.random() < 0.15:
            return None
        if "enum" in s:
            return rng.choice(s["enum"])
        kind = s.get("type")
        if kind == "integer":
            low, high = _int_bounds(s)
            pick = rng.random()
            if pick < 0.15:
                return low
            if pick < 0.3 and high is not None:
                return high
            return rng.randint(low, high if high is not None else low + 10**6)
        if kind == "number":
            low = s.get("minimum", 0)
            high = s.get("maximum", low + 1000)
            value = round(rng.uniform(low, high), 2)
            if s.get("exclusiveMinimum") and value <= low:
                value = low + 0.001
            return value
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "array":
            low = max(s.get("minItems", 0), 1 if text else 0)  # see the module docstring
            high = min(s.get("maxItems", low + 4), low + 4)
            inner = "item" if where == "query" else where  # no spaces in delimited items
            return [self.valid(s["items"], text, inner) for _ in range(rng.randint(low, high))]
        if kind == "object":
            out = {}
            required = set(s.get("required", []))
            props = s.get("properties", {})
            for name, sub in props.items():
                if self.schema(sub).get("readOnly"):
                    continue  # see the module docstring
                if name in required or rng.random() < 0.5:
                    out[name] = self.valid(sub, text, where)
            for name, sub in props.items():
                if len(out) >= s.get("minProperties", 0):
                    break
                out.setdefault(name, self.valid(sub, text, where))
            if s.get("additionalProperties", True) is not False and rng.random() < 0.2:
                out["x_extra"] = "undeclared but allowed"
            return out
        return self.string(s, where)

    def string(self, s: dict[str, Any], where: str = "body") -> str:
        rng = self.rng
        shortest = 1 if where == "query" else 0  # allowEmptyValue: false
        low, high = max(s.get("minLength", 0), shortest), s.get("maxLength")
        alphabet = WIDE if where in ("body", "query") and rng.random() < 0.3 else ALNUM
        fmt = s.get("format")
        if fmt == "date":
            return f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if fmt == "date-time":
            return f"{rng.randint(1990, 2030)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T12:30:00Z"
        if fmt == "email":
            return f"{_text(rng, 1, 10).lower()}@example.com"
        if "pattern" in s:
            for _ in range(200):
                value = rstr.Rstr(rng).xeger(s["pattern"])
                if low <= len(value) <= (high if high is not None else 10**6):
                    return value
            raise AssertionError(f"no string for {s}")
        if high is None:
            high = low + 12
        pick = rng.random()
        if pick < 0.15:
            return _text(rng, low, low, alphabet)
        if pick < 0.3:
            return _text(rng, high, high, alphabet)
        return _text(rng, low, min(high, low + 12), alphabet)

    # invalid -------------------------------------------------------------------
    def invalid(self, node: Any, text: bool, where: str) -> list[tuple[str, Any]]:
        """(what is wrong, value) pairs: each breaks exactly one rule of the schema."""
        s = self.schema(node)
        out: list[tuple[str, Any]] = []
        kind = s.get("type")
        if not text and not s.get("nullable"):
            out.append(("null", None))
        if "enum" in s:
            out.append(("not in enum", "bogus" if kind == "string" else 999))
        if kind == "integer":
            low, high = _int_bounds(s)
            out += [("wrong type", "abc" if text else "7"), ("not an integer", 1.5)]
            if not text:
                out.append(("boolean for integer", True))
            if "minimum" in s:
                out.append(("below minimum", low - 1))
            if high is not None:
                out.append(("above maximum", high + 1))
        elif kind == "number":
            out.append(("wrong type", "heavy" if text else "7.5"))
            if "minimum" in s:
                minimum = s["minimum"]
                out.append(("below minimum", minimum if s.get("exclusiveMinimum") else minimum - 1))
            if "maximum" in s:
                out.append(("above maximum", s["maximum"] + 1))
        elif kind == "boolean":
            out.append(("wrong type", "maybe" if text else "true"))
        elif kind == "string":
            if not text:
                out.append(("wrong type", 123))
            low, high = s.get("minLength", 0), s.get("maxLength")
            if low > 0:
                out.append(("too short", "a" * (low - 1)))
            if high is not None:
                out.append(("too long", "a" * (high + 1)))
            if "pattern" in s:
                out.append(("pattern", _mismatch(s, path=where == "path")))
            if s.get("format") == "date":
                out.append(("format date", "31/12/2020"))
            if s.get("format") == "email":
                out.append(("format email", "not-an-email"))
        elif kind == "array":
            if not text:
                out.append(("wrong type", "not-an-array"))
            inner = "item" if where == "query" else where
            good = [
                self.valid(s["items"], text, inner) for _ in range(max(1, s.get("minItems", 0)))
            ]
            if "maxItems" in s:
                out.append(("too many items", [good[0]] * (s["maxItems"] + 1)))
            for what, bad in self.invalid(s["items"], text, where):
                if bad is not None or not text:
                    out.append((f"item {what}", [*good, bad]))
        elif kind == "object":
            if not text:
                out.append(("wrong type", ["not", "an", "object"]))
            base = self.valid(s, text, where)
            for name in s.get("required", []):
                broken = {k: v for k, v in base.items() if k != name}
                out.append((f"missing required {name}", broken))
            for name, sub in s.get("properties", {}).items():
                if self.schema(sub).get("readOnly"):
                    continue
                for what, bad in self.invalid(sub, text, where):
                    out.append((f"{name}: {what}", {**base, name: bad}))
            if s.get("additionalProperties") is False:
                out.append(("unknown property", {**base, "unexpected": "x"}))
            if s.get("minProperties", 0) > 0:
                out.append(("fewer than minProperties", {}))
        return out


def _int_bounds(s: dict[str, Any]) -> tuple[int, int | None]:
    top = {"int32": 2**31 - 1, "int64": 2**63 - 1}.get(s.get("format", ""))
    low = s.get("minimum", -1000 if "maximum" not in s else s["maximum"] - 1000)
    return low, s.get("maximum", top)


def _mismatch(s: dict[str, Any], path: bool) -> str:
    import re

    low, high = s.get("minLength", 0), s.get("maxLength") or 64
    for candidate in ("ABCDEFGHIJKLMNOP", "zzzz zzzz zzzz", "!!!!!!!!!!!!", "0"):
        if path and not candidate.isalnum():
            continue
        candidate = candidate[: max(low, min(high, len(candidate)))]
        if not re.search(s["pattern"], candidate) and low <= len(candidate) <= high:
            return candidate
    raise AssertionError(f"no mismatch for {s}")


# -- requests ---------------------------------------------------------------------


@dataclass
class Case:
    label: str
    valid: bool
    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    oracle_query: list[tuple[str, str]] = field(default_factory=list)
    view_args: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str | None = None
    bug: str = ""  # a known specmock bug this case runs into (see KNOWN BUGS below)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        extra = {k: v for k, v in self.headers.items() if k not in AUTH}
        return (
            f"[{self.label}] {self.method} {self.path}{'?' + query if query else ''}"
            f"{' headers=' + str(extra) if extra else ''}"
            f"{' cookies=' + str(self.cookies) if self.cookies else ''}"
            f"{' ' + str(self.content_type) + ' ' + repr(self.body[:300]) if self.body else ''}"
        )


class Unstyled(str):
    """A label/matrix path value sent without its style's prefix."""


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_case(spec: Spec, rng: random.Random) -> Case:
    op = rng.choice(spec.ops)
    values = Values(spec, rng)
    chosen: dict[tuple[str, str], Any] = {}
    for p in op.params:
        if p.required or rng.random() < 0.6:
            chosen[(p.name, p.location)] = values.valid(p.schema, text=True, where=p.location)
    media = rng.choice(sorted(op.media)) if op.media else None
    body: Any = values.valid(op.media[media], text=media in (FORM, MULTIPART)) if media else None
    send_body = media is not None
    label, valid, bug = f"{op.label}: valid", True, ""
    raw_body: bytes | None = None

    if rng.random() < 0.6:  # break one rule
        sites: list[tuple[str, Any]] = []
        for p in op.params:
            for what, bad in values.invalid(p.schema, text=True, where=p.location):
                sites.append((f"{p.location} {p.name}: {what}", ("param", p, bad)))
            if p.style in ("matrix", "label") and (p.name, p.location) in chosen:
                plain = Unstyled(_scalar(chosen[(p.name, p.location)]))
                if p.style == "matrix":  # (label without its dot: see the module docstring)
                    sites.append((f"path {p.name}: not {p.style} style", ("param", p, plain)))
            kind = values.schema(p.schema).get("type")
            if p.location == "query" and p.style == "form" and kind != "array":
                # OAS 3.0 `allowEmptyValue` defaults to false: `?name=` is not a value.
                sites.append((f"query {p.name}: {EMPTY}", ("param", p, "")))
        if media:
            text = media in (FORM, MULTIPART)
            for what, bad in values.invalid(op.media[media], text=text, where="body"):
                if text and not isinstance(bad, dict):
                    continue  # a form body is always a set of fields
                sites.append((f"body {media}: {what}", ("body", None, bad)))
            if op.body_required:
                sites.append(("body: missing", ("nobody", None, None)))
            if media in JSON_TYPES:
                for broken in (b'{"name": ', b'{"a": 1}}', b"\xff\xfe{}"):
                    sites.append((f"body {media}: malformed", ("bytes", None, broken)))
        if sites:
            what, (kind, p, bad) = rng.choice(sites)
            label, valid = f"{op.label}: {what}", False
            if kind == "param":
                chosen[(p.name, p.location)] = bad
                if what.endswith(EMPTY) and values.schema(p.schema).get("type") == "string":
                    bug = EMPTY_STRING_BUG
            elif kind == "body":
                body = bad
            elif kind == "bytes":
                raw_body = bad
            else:
                send_body = False

    case = Case(label, valid, op.method, "", bug=bug)
    path = op.template
    for p in op.params:
        if (p.name, p.location) not in chosen:
            continue
        value = chosen[(p.name, p.location)]
        items = value if isinstance(value, list) else [value]
        texts = [_scalar(v) for v in items]
        if p.location == "path" and isinstance(value, Unstyled):
            case.view_args[{"label": ".", "matrix": ";"}[p.style] + p.name] = value
            path = path.replace("{" + p.name + "}", quote(value, safe=";=.,"))
        elif p.location == "path":
            raw = ",".join(texts)
            key, raw = {
                "label": (f".{p.name}", "." + raw),
                "matrix": (f";{p.name}", f";{p.name}={raw}"),
            }.get(p.style, (p.name, raw))
            case.view_args[key] = raw
            path = path.replace("{" + p.name + "}", quote(raw, safe=";=.,"))
        elif p.location == "query":
            if p.style == "deepObject":
                pairs = [(f"{p.name}[{k}]", _scalar(v)) for k, v in value.items()]
                case.query += pairs
                case.oracle_query += pairs
            elif isinstance(value, list) and not p.explode:
                sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(p.style, ",")
                case.query.append((p.name, sep.join(texts)))
                oracle_sep = "%20" if p.style == "spaceDelimited" else sep
                case.oracle_query.append((p.name, oracle_sep.join(texts)))
            else:
                case.query += [(p.name, t) for t in texts]
                case.oracle_query += [(p.name, t) for t in texts]
        elif p.location == "header":  # header names are case-insensitive
            name = rng.choice([p.name, p.name.lower(), p.name.upper()])
            case.headers[name] = ",".join(texts)
        else:
            case.cookies[p.name] = ",".join(texts)
    case.path = spec.prefix + path
    if rng.random() < 0.2:  # an undeclared query parameter is not an error
        case.query.append(("utm_source", "differential"))
        case.oracle_query.append(("utm_source", "differential"))
    if not any(p.style in ("label", "matrix") for p in op.params):
        case.view_args = {}  # openapi-core's own path matching handles simple style
    case.headers.update(AUTH)
    if send_body and media:
        case.content_type, case.body = _encode(media, body, op.media[media], spec, rng)
        if media != MULTIPART and rng.random() < 0.3:
            case.content_type += "; charset=utf-8"
        if raw_body is not None:
            case.body = raw_body
    return case


def _encode(
    media: str, body: Any, schema: dict[str, Any], spec: Spec, rng: random.Random
) -> tuple[str, bytes]:
    if media in JSON_TYPES:  # \u escapes or raw UTF-8
        return media, json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
    fields = [
        (name, _scalar(v))
        for name, value in body.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    if media == FORM:
        return media, urlencode(fields).encode()
    assert media == MULTIPART
    props = schema.get("properties", {})
    boundary = "specmockdifferential"
    out = b""
    for name, text in fields:
        binary = spec.resolve(props.get(name, {})).get("format") == "binary"
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        if binary:
            head += f'; filename="{text}.png"\r\nContent-Type: image/png'
        out += head.encode() + b"\r\n\r\n" + text.encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"{media}; boundary={boundary}", out


# -- the two judges ---------------------------------------------------------------


def oracle_for(path: Path) -> OpenAPI:
    config = Config(extra_media_type_deserializers={"application/merge-patch+json": json_loads})
    return OpenAPI.from_file_path(str(path), config=config)


def oracle_accepts(api: OpenAPI, case: Case) -> bool:
    request = MockRequest(
        HOST,
        case.method,
        case.path,
        args=case.oracle_query,
        view_args=case.view_args or None,
        headers=case.headers,
        cookies=case.cookies,
        data=case.body,
        content_type=case.content_type or "application/json",
    )
    try:
        api.validate_request(request)
    except SecurityValidationError:  # credentials are always sent: a harness error
        raise
    except RequestValidationError:
        return False
    return True


def specmock_accepts(client: Any, case: Case) -> bool:
    headers = dict(case.headers)
    if case.content_type:
        headers["Content-Type"] = case.content_type
    if case.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in case.cookies.items())
    response = client.request(
        case.method, case.path, params=case.query, headers=headers, content=case.body or None
    )
    if 200 <= response.status_code < 300:
        return True
    if response.status_code in (400, 422):
        return False
    if response.status_code == 404 and "no operation is declared" not in response.text:
        return True  # a declared 404, not a routing miss
    raise AssertionError(f"{case}: unexpected {response.status_code} {response.text[:500]}")


def generate(name: str) -> tuple[Spec, list[Case]]:
    spec = Spec(SPEC_FILES[name])
    return spec, [build_case(spec, random.Random(f"{name}:{i}")) for i in range(PER_SPEC)]


# -- tests ------------------------------------------------------------------------


def compare(name: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Run every case past both judges: (harness errors, disagreements, known-bug ones)."""
    spec, cases = generate(name)
    api = oracle_for(spec.path)
    client = client_for(spec.path, credentials=CREDENTIALS)
    harness, disagreements = [], []
    bugs: dict[str, list[str]] = {}
    for case in cases:
        expected = oracle_accepts(api, case)
        if expected != case.valid:
            harness.append(f"openapi-core says {expected}: {case}")
            continue
        agrees = specmock_accepts(client, case) == expected
        if case.bug:
            bugs.setdefault(case.bug, []).append(("" if agrees else "DISAGREE ") + str(case))
        elif not agrees:
            verdict = "accepts" if not expected else "rejects"
            disagreements.append(f"specmock {verdict}: {case}")
    return harness, disagreements, bugs


@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_specmock_agrees_with_openapi_core(name: str) -> None:
    harness, disagreements, _ = compare(name)
    assert not harness, "generator and oracle disagree:\n" + "\n".join(harness[:20])
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(
        disagreements[:30]
    )


@pytest.mark.parametrize("name", ["specs/petstore"])
def test_empty_query_value_is_the_one_known_divergence(name: str) -> None:
    _, _, bugs = compare(name)
    cases = bugs.get(EMPTY_STRING_BUG, [])
    assert cases, "the enumerator no longer produces this case"
    agreeing = [c for c in cases if not c.startswith("DISAGREE")]
    assert not agreeing, "specmock now refuses empty query values:\n" + "\n".join(agreeing[:5])


@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_enumerator_covers_the_contract(name: str) -> None:
    spec, cases = generate(name)
    valid = sum(c.valid for c in cases)
    assert len(cases) >= 200
    assert 0.25 * len(cases) < valid < 0.75 * len(cases)
    labels = {c.label.split(":")[0] for c in cases}
    assert labels == {op.label for op in spec.ops}  # every operation is exercised
    kinds = {c.label.split(": ", 1)[1] for c in cases if not c.valid}
    assert len(kinds) >= 15, kinds


def test_label_without_dot() -> None:
    # openapi-core strips the first character of a label value whatever it is (so it
    # accepts `abcdefgh1` as `bcdefgh1`); label style requires the dot, specmock is right.
    client = client_for(TEST_SPECS / "forms.yaml", credentials=CREDENTIALS)
    assert client.get("/documents/.abcdefgh1/content").status_code == 200
    assert client.get("/documents/abcdefgh1/content").status_code == 400


def test_generated_cases_are_deterministic() -> None:
    first = [str(c) for c in generate("tests/forms")[1]]
    again = [str(c) for c in generate("tests/forms")[1]]
    assert first == again


PYTHON_INT_BUG = (
    "specmock reads integer parameters with Python's int(), which also takes digit "
    "separators and non-ASCII digits ('1_0' -> 10, Arabic-Indic '\u0665' -> 5); "
    "openapi-core shares the quirk, so the differential comparison cannot see it"
)


@pytest.mark.parametrize("text", ["1_0", "\u0665"])
@pytest.mark.parametrize("where", ["query", "path"])
def test_python_only_int_syntax_refused(where: str, text: str) -> None:
    client = client_for(TEST_SPECS / "petstore.yaml", credentials=CREDENTIALS)
    if where == "query":
        response = client.get("/v1/pets", params={"limit": text})
    else:
        response = client.get("/v1/pets/" + quote(text))
    assert response.status_code == 400, response.text
