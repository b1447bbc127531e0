"""Building the answer: status, media type, body and headers, checked against the contract.

A generated response is a pure function of (operation, status, media type,
example, seed, path parameters), so it is built and validated once and then
served from a bounded cache: same request, same bytes, no repeated work.
"""

from __future__ import annotations

import hashlib
import logging
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from faker import Faker

from ..generator import quality as levels
from ..generator.fake import Ctx
from ..generator.plan import Media, Operation, Response
from . import errorbody, problems, verdicts
from .cache import Tiers
from .encoding import concrete, header_text, serialize
from .hooks import Reply
from .negotiation import Preference, choose_media, is_json
from .outgoing import Outgoing
from .validation import Rejection, Violation, schema_violations

log = logging.getLogger("specmock")
_ATTEMPTS = 8
ERROR_DEPTH = 3  # levels of optional fields in a generated error body


@dataclass
class Echo:
    """What a generated answer should reflect from its request: ids in the path, sent fields."""

    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def key(self) -> bytes:
        return orjson.dumps(self.body, option=orjson.OPT_SORT_KEYS) if self.body else b""


@dataclass
class Settings:
    seed: int = 0
    strict: bool = True
    max_depth: int = 5
    cache_size: int = 4096
    stateful: bool = True  # serve create/read/list/... from the store where inferred
    admin_token: str | None = None  # lets non-loopback clients use /__specmock
    rate_limit: str | None = None  # "[TARGET=]COUNT/SECONDS,..." per client key, e.g. "100/60"
    credentials: frozenset[str] = frozenset()  # accepted keys/tokens/user:password; empty = any
    quality: str = levels.DEFAULT  # basic | realistic | production | exact (docs/quality.md)
    cache: str | None = None  # a shared answer tier: sqlite:///PATH or redis://...
    cache_ttl: float = 300.0  # seconds an answer lives in the shared tier


@lru_cache(maxsize=4096)  # an override asks it on every request, mostly of the same few
def _seed_of(
    base: int, where: tuple[str, str, str], status: int, params: tuple[tuple[str, Any], ...]
) -> int:
    service, method, path = where
    text = f"{base}|{service}|{method} {path}|{status}|{list(params)}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def status_number(response: Response, wanted: int | None) -> int:
    status = response.status
    if status.isdigit():
        return int(status)
    if status.endswith("XX"):
        return wanted or int(status[0]) * 100
    return wanted or 200


class Responder:
    """Turns an operation and a request's preferences into a validated response."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.faker = Faker("en_US")
        self.tiers = Tiers(settings.seed, settings.cache_size, settings.cache, settings.cache_ttl)
        self.cache = self.tiers.memory

    # -- public -----------------------------------------------------------
    def success(
        self,
        op: Operation,
        path_params: dict[str, str],
        pref: Preference,
        accept: str | None,
        echo: Echo | None = None,
    ) -> Outgoing:
        response = op.success if pref.code is None else op.response_for(pref.code)
        if response is None:
            message = f"no response declared for status {pref.code}"
            raise Rejection(400, [Violation("header", "/prefer", "code", message)])
        status = status_number(response, pref.code)
        media_type = self._media(op, response, accept)
        quality = generated_quality(pref.quality or self.settings.quality)
        key = (
            id(op),
            quality,
            status,
            media_type,
            pref.example,
            pref.dynamic,
            pref.seed,
            tuple(sorted(path_params.items())),
            echo.key() if echo else b"",
        )
        found = self.tiers.get(op, key)
        if found is not None:
            return found
        seed = self._seed(op, status, path_params, pref.seed)
        out = self._build(op, response, status, media_type, pref, seed, echo, quality)
        self.tiers.put(op, key, out)
        return out

    def cache_tiers(self) -> list[Any]:
        return self.tiers.all()

    def error(
        self,
        op: Operation | None,
        status: int,
        violations: list[Violation],
        accept: str | None,
        headers: dict[str, str] | None = None,
        operations: list[Operation] | None = None,
    ) -> Outgoing:
        """specmock's own refusal (see `errorbody.refusal`)."""
        return errorbody.refusal(
            self.error_context, op, status, violations, accept, headers, operations
        )

    # -- building ---------------------------------------------------------
    def answer(
        self,
        op: Operation,
        status: int,
        value: Any,
        accept: str | None,
        headers: list[tuple[str, str]] | None = None,
        fit: Callable[[Any], Any] | None = None,
    ) -> Outgoing:
        """Serialize a value computed elsewhere (state, an override), checked like any other;
        one that breaks its schema is given to `fit` once, if there is one, and checked again."""
        response = op.response_for(status)
        extra = list(headers or [])
        if response is None:
            violation = Violation("response", "/", "status", f"status {status} is not declared")
            return self._broken(op, Outgoing(status, b"", None, extra, op, [violation]))
        media_type = self._media(op, response, accept)
        if media_type is None:
            return Outgoing(status, b"", None, extra, op)
        media = response.content[media_type]
        body = serialize(value, media_type, media, op)
        errors: list[Violation] = []
        if media.schema is not None:
            validator = op.compiler.validator(media.schema, "response", media.pointer)
            errors = _judged(validator, value, body, media_type)
            if errors and fit is not None:
                value = fit(value)
                body = serialize(value, media_type, media, op)
                errors = _judged(validator, value, body, media_type)
        out = Outgoing(status, body, concrete(media_type), extra, op, errors)
        return self._broken(op, out) if errors else out

    def from_reply(self, op: Operation, result: Any, accept: str | None) -> Outgoing:
        """An override's result, checked and serialized like any other answer."""
        if isinstance(result, Outgoing):
            return result
        reply = result if isinstance(result, Reply) else Reply(result)
        status = reply.status or (status_number(op.success, None) if op.success else 200)
        headers = list(reply.headers.items())
        if reply.stream is not None:
            return self._raw(op, status, reply.raw or b"", reply.media_type, headers, reply.stream)
        if reply.raw is None:
            return self.answer(op, status, reply.body, accept, headers)
        media_type = reply.media_type or "application/octet-stream"
        if is_json(media_type):
            try:
                value = orjson.loads(reply.raw)
            except orjson.JSONDecodeError:
                violation = Violation("response", "/", "syntax", "raw body is not valid JSON")
                return self._broken(
                    op, Outgoing(status, reply.raw, media_type, headers, op, [violation])
                )
            out = self.answer(op, status, value, media_type, headers)
            return (
                Outgoing(out.status, reply.raw, media_type, headers, op)
                if out.status == status
                else out
            )
        return self._raw(op, status, reply.raw, media_type, headers)

    def _raw(
        self,
        op: Operation,
        status: int,
        raw: bytes,
        media_type: str | None,
        headers: list[tuple[str, str]],
        stream: Any = None,
    ) -> Outgoing:
        """Bytes an override built itself: only the status can be checked."""
        if op.response_for(status) is None:
            violation = Violation("response", "/", "status", f"status {status} is not declared")
            return self._broken(op, Outgoing(status, raw, media_type, headers, op, [violation]))
        return Outgoing(status, raw, media_type, headers, op, stream=stream)

    def generate(self, op: Operation, status: int, accept: str | None, seed: int) -> Any:
        """A valid generated body for a declared status, for state and overrides to build on."""
        response = op.response_for(status)
        media_type = self._media(op, response, accept) if response else None
        if response is None or media_type is None:
            return None
        value, _ = self._body_value(
            op, response.content[media_type], Preference(dynamic=True), seed
        )
        return value

    def validator_for(self, op: Operation, status: int) -> Any:
        response = op.response_for(status)
        media = next(
            (m for t, m in (response.content.items() if response else ()) if is_json(t)), None
        )
        if media is None or media.schema is None:
            return None
        return op.compiler.validator(media.schema, "response", media.pointer)

    def _media(self, op: Operation, response: Response, accept: str | None) -> str | None:
        if not response.content:
            return None
        offered = list(response.content)
        media_type = choose_media(accept, offered)
        if media_type is None and op.accept_declared:
            return offered[0]  # OpenAPI ignores a declared `Accept` parameter; so does 406
        if media_type is None:
            message = f"none of {', '.join(offered)} is acceptable to {accept!r}"
            raise Rejection(406, [Violation("header", "/accept", "accept", message)])
        return media_type

    def seed_for(
        self, op: Operation, status: int, params: dict[str, str], override: int | None = None
    ) -> int:
        return self._seed(op, status, params, override)

    def _seed(
        self, op: Operation, status: int, params: dict[str, str], override: int | None
    ) -> int:
        base = self.settings.seed if override is None else override
        where = (op.service, op.method, op.path)
        given = tuple(sorted(params.items()))
        try:
            return _seed_of(base, where, status, given)
        except TypeError:  # a value that cannot be a cache key: computed, not kept
            return _seed_of.__wrapped__(base, where, status, given)

    def error_context(self, op: Operation, status: int, attempt: int) -> Ctx:
        """The seeded context of an error body's attempt: complete, so its envelope has
        every field, but only the required ones below ERROR_DEPTH (Stripe's error embeds
        whole payment objects: 30 kB of optional fields per refusal otherwise)."""
        ctx = self.context(self.seed_for(op, status, {}) + attempt, complete=True)
        ctx.max_depth = min(ctx.max_depth, ERROR_DEPTH)
        return ctx

    def context(self, seed: int, complete: bool = False, quality: str = levels.DEFAULT) -> Ctx:
        """What a builder draws from: this seed, the shared Faker, the depth limit."""
        return Ctx(
            random.Random(seed),
            self.faker,
            self.settings.max_depth,
            complete=complete,
            quality=quality,
        )

    def _build(
        self,
        op: Operation,
        response: Response,
        status: int,
        media_type: str | None,
        pref: Preference,
        seed: int,
        echo: Echo | None = None,
        quality: str = levels.DEFAULT,
    ) -> Outgoing:
        headers = self._headers(op, response, seed)
        if media_type is None:
            return Outgoing(status, b"", None, headers, op)
        media = response.content[media_type]
        value, errors = self._body_value(op, media, pref, seed, echo, quality)
        if status >= 400 and not errors and not media.examples and is_json(media_type):
            value = errorbody.readable(op, media, status, value)
        body = serialize(value, media_type, media, op)
        out = Outgoing(status, body, concrete(media_type), headers, op, errors)
        if errors:
            return self._broken(op, out)
        return out

    def _body_value(
        self,
        op: Operation,
        media: Media,
        pref: Preference,
        seed: int,
        echo: Echo | None = None,
        quality: str = levels.DEFAULT,
    ) -> tuple[Any, list[Violation]]:
        if media.schema is None and not media.examples:
            return "", []
        validator = (
            op.compiler.validator(media.schema, "response", media.pointer)
            if media.schema is not None
            else None
        )
        if pref.example is not None:
            if pref.example not in media.examples:
                names = ", ".join(media.examples) or "none"
                message = f"no example named {pref.example!r} (declared: {names})"
                raise Rejection(400, [Violation("header", "/prefer", "example", message)])
            value = media.examples[pref.example]
            if validator is not None and not validator.is_valid(value):
                message = (
                    f"example {pref.example!r} does not match its schema in the spec; "
                    "it is never served"
                )
                raise Rejection(400, [Violation("header", "/prefer", "example", message)])
            return value, []
        if pref.dynamic is not True and quality == levels.DEFAULT:
            for value in media.examples.values():
                if validator is None or validator.is_valid(value):
                    return value, []
        if media.schema is None:
            return next(iter(media.examples.values())), []
        builder = op.compiler.builder(media.schema)
        value = None
        for attempt in range(_ATTEMPTS):
            value = builder(self.context(seed + attempt, quality=quality))
            if validator is None or validator.is_valid(value):
                if quality == "production":
                    value = _agreeing(value, validator)
                return _reflect(value, echo, validator), []
        if quality != levels.DEFAULT:  # a richer (or barer) draw kept failing: today's answer
            return self._body_value(op, media, pref, seed, echo, levels.DEFAULT)
        return value, _check(validator, value)

    def _headers(self, op: Operation, response: Response, seed: int) -> list[tuple[str, str]]:
        out = []
        for name, header in response.headers.items():
            builder = op.compiler.builder(header.schema)
            value = builder(self.context(seed ^ zlib.crc32(name.encode())))
            out.append((name, header_text(value)))
        return out

    def _broken(self, op: Operation, out: Outgoing) -> Outgoing:
        text = problems.summary(500, out.contract_errors)
        log.warning("response of %s breaks the contract: %s", op.operation_id, text)
        if not self.settings.strict:
            return out
        body = problems.problem(
            500,
            out.contract_errors,
            f"the {op.operation_id} response would break the contract: {text}",
        )
        return Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE, [], op, out.contract_errors)


def generated_quality(wanted: str) -> str:
    """The level an answer is generated at (`exact` without a recording: production)."""
    reason = levels.problem(wanted)
    if reason is not None:
        raise Rejection(400, [Violation("header", "/prefer", "quality", reason)])
    return "production" if wanted == "exact" else wanted


def to_reply(out: Outgoing) -> Reply:
    """A built answer as an override sees it: the JSON body parsed back into data."""
    headers = dict(out.headers)
    if out.media_type and is_json(out.media_type) and out.body:
        return Reply(orjson.loads(out.body), out.status, headers)
    return Reply(None, out.status, headers, raw=out.body or None, media_type=out.media_type)


def unchecked(
    reply: Reply, op: Operation | None, status: int, headers: list[tuple[str, str]]
) -> Outgoing:
    """A reply sent as it is, without the contract's check: a vendor's error or refusal
    where the contract declares no shape to check it against."""
    if reply.raw is not None:
        return Outgoing(status, reply.raw, reply.media_type, headers, op)
    if reply.body is None:
        return Outgoing(status, b"", None, headers, op)
    media_type = reply.media_type or "application/json"
    return Outgoing(status, orjson.dumps(reply.body), media_type, headers, op)


def _agreeing(value: Any, validator: Any) -> Any:
    """The production level's consistent record, where the contract allows it."""
    fixed = levels.consistent(value)
    return fixed if validator is None or validator.is_valid(fixed) else value


def _reflect(value: Any, echo: Echo | None, validator: Any) -> Any:
    """Overlay what the request said (path ids, sent fields) where the contract allows it."""
    if echo is None or not isinstance(value, dict):
        return value
    for overlay in (_id_overlay(value, echo.params), echo.body or {}):
        value = overlay_valid(value, overlay, validator)
    return value


def overlay_valid(value: dict[str, Any], overlay: dict[str, Any], validator: Any) -> dict[str, Any]:
    """`value` updated with `overlay` if the result obeys the schema, else with the part of
    it naming keys `value` already has, else unchanged."""
    if not overlay:
        return value
    candidate = {**value, **overlay}
    if validator is None or validator.is_valid(candidate):
        return candidate
    known = {k: v for k, v in overlay.items() if k in value}
    candidate = {**value, **known}
    if known and (validator is None or validator.is_valid(candidate)):
        return candidate
    return value


def _id_overlay(value: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    overlay = {name: v for name, v in params.items() if name in value}
    if params and "id" in value and "id" not in overlay:
        last = list(params)[-1]
        if last.lower().endswith("id"):
            overlay["id"] = params[last]
    return overlay


def _judged(validator: Any, value: Any, body: bytes, media_type: str) -> list[Violation]:
    """The answer's violations; JSON bytes judged valid before are not walked again."""
    if is_json(media_type):  # the bytes say all the schema checks
        return verdicts.checked(validator, body, lambda: _check(validator, value))
    return _check(validator, value)


def _check(validator: Any, value: Any) -> list[Violation]:
    if validator is None or validator.is_valid(value):
        return []
    return schema_violations(validator, value, "response", "")
