"""Named vendor errors as data, and the envelope each service answers them in.

A vendor service registers one `Catalogue`: its named errors (name, HTTP status, vendor
code, a real sentence, retryable, headers), a renderer that puts one of them in the
vendor's envelope, and scenario presets (fault rules that use those names). The engine
finds a service's catalogue by name, so a fault header or rule can say
`X-Specmock-Fault: SlowDown` and get S3's own `<Error>` without knowing anything of S3.

    from specmock import Catalogue, Failure, NamedError, Reply, register_catalogue

    ERRORS = (NamedError("RateLimited", 429, "rate_limited", "Slow down.", retryable=True,
                         headers={"Retry-After": "1"}),)

    def render(failure: Failure) -> Reply:
        e = failure.error
        return Reply(raw=orjson.dumps({"code": e.code, "message": failure.message}),
                     status=e.status, headers=dict(e.headers), media_type="application/json")

    register_catalogue(Catalogue("myservice", ERRORS, render, presets=standard_presets(...)))

A spec a user brings may name errors under `x-specmock-errors` (see `from_spec`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .hooks import Reply

EXTENSION = "x-specmock-errors"


@dataclass(frozen=True)
class NamedError:
    """One error a vendor really sends: `status` is the HTTP status it comes with."""

    name: str
    status: int
    code: str | int  # the vendor's code or type, as its body carries it
    message: str  # a sentence as the vendor writes it
    retryable: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)  # more vendor fields, or a body
    description: str = ""  # when a client meets it, for the docs

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "retryable": self.retryable,
            "headers": dict(self.headers),
        }


@dataclass(frozen=True)
class Failure:
    """What a renderer knows of the request it answers."""

    error: NamedError
    service: str
    method: str = "GET"
    path: str = "/"
    operation_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""  # why, when specmock refuses (a violation); empty for injected errors
    request_id: str = "0000000000000000"
    now: float = 0.0
    options: Mapping[str, str] = field(default_factory=dict)  # `--option name=value`

    @property
    def message(self) -> str:
        """The error's sentence, followed by the detail when there is one."""
        if not self.detail:
            return self.error.message
        return f"{self.error.message.rstrip('.')}: {self.detail}"

    def option(self, name: str, default: str = "") -> str:
        return self.options.get(name.lower(), default)


Renderer = Callable[[Failure], Reply]


@dataclass
class Catalogue:
    """A service's named errors, its envelope and its scenario presets."""

    service: str
    errors: tuple[NamedError, ...]
    render: Renderer | None  # None: the engine fills the spec's declared error schema
    # scenarios by name: {faults: [rules], options: {name: value}} (see `standard_presets`)
    presets: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    statuses: Mapping[int, str] = field(default_factory=dict)  # a bare status -> error name
    generic: Callable[[int], NamedError] | None = None  # any other status

    def __post_init__(self) -> None:
        names = [e.name for e in self.errors]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.service}: error names must be unique")
        for status, name in self.statuses.items():
            if self.find(name) is None:
                raise ValueError(f"{self.service}: status {status} names unknown error {name}")

    def find(self, name: str) -> NamedError | None:
        """The error of that name (exactly, else ignoring case)."""
        for error in self.errors:
            if error.name == name:
                return error
        low = name.lower()
        return next((e for e in self.errors if e.name.lower() == low), None)

    def for_status(self, status: int) -> NamedError:
        """What a bare status (`X-Specmock-Fault: 503`, `status: 503`) is answered with."""
        if status in self.statuses:
            found = self.find(self.statuses[status])
            if found is not None:
                return found
        if self.generic is not None:
            return self.generic(status)
        found = next((e for e in self.errors if e.status == status), None)
        return found or generic_error(status)

    def names(self) -> list[str]:
        return [e.name for e in self.errors]


def code_and_message(failure: Failure) -> Reply:
    """`{"code": <status>, "message": ...}`: the error body of services that follow the
    common `Error` schema (the order and callback services, many user specs)."""
    error = failure.error
    body = {"code": error.status, "message": failure.message}
    return Reply(body, error.status, media_type="application/json")


def reason(status: int) -> str:
    """The HTTP reason phrase, or a plain name for statuses without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client Error" if status < 500 else "Server Error"


def generic_error(status: int) -> NamedError:
    """An error for a status nobody named: its reason phrase as code and sentence."""
    phrase = reason(status)
    code = re.sub(r"[^A-Z0-9]+", "_", phrase.upper()).strip("_")
    retryable = status in (408, 429) or status >= 500
    headers = {"Retry-After": "1"} if status in (429, 503) else {}
    return NamedError(code, status, code, _SENTENCES.get(status, f"{phrase}."), retryable, headers)


_SENTENCES = {
    400: "The request could not be understood by the server.",
    401: "The request needs valid credentials.",
    403: "The credentials do not allow this request.",
    404: "The requested resource does not exist.",
    408: "The server timed out waiting for the request.",
    409: "The request conflicts with the current state of the resource.",
    429: "Too many requests; slow down and retry later.",
    500: "The server hit an unexpected condition and could not complete the request.",
    502: "The upstream server sent an invalid response.",
    503: "The service is temporarily unavailable; retry later.",
    504: "The upstream server did not answer in time.",
}


def standard_presets(
    service: str,
    throttle: str | int,
    outage: str | int,
    flaky: str | int,
    slow_ms: tuple[int, int] = (800, 2500),
) -> dict[str, dict[str, Any]]:
    """The presets every service has, in its own errors (a name, or a bare status):
    throttling (every second call refused), outage (every call), slow (every call late by
    `slow_ms`), flaky (one call in five fails, seeded)."""

    def answer(what: str | int) -> dict[str, Any]:
        return {"status": what} if isinstance(what, int) else {"error": what}

    scoped = {"service": service}
    rules = {
        "throttling": {**scoped, "id": f"{service}-throttling", "every": 2, **answer(throttle)},
        "outage": {**scoped, "id": f"{service}-outage", **answer(outage)},
        "slow": {**scoped, "id": f"{service}-slow", "latency": {"uniform": list(slow_ms)}},
        "flaky": {**scoped, "id": f"{service}-flaky", "probability": 0.2, **answer(flaky)},
    }
    return {name: {"faults": [rule]} for name, rule in rules.items()}


_REGISTRY: dict[str, Catalogue] = {}


def register_catalogue(catalogue: Catalogue) -> Catalogue:
    """Make a service's errors known to the engine (vendor packages do this on import)."""
    _REGISTRY[catalogue.service] = catalogue
    return catalogue


def registered(service: str) -> Catalogue | None:
    return _REGISTRY.get(service)


class CatalogueError(ValueError):
    """An `x-specmock-errors` entry that cannot work: where (a JSON pointer) and why."""

    def __init__(self, pointer: str, reason: str):
        super().__init__(f"{pointer}: {reason}")
        self.pointer = pointer
        self.reason = reason


def from_spec(service: str, root: Mapping[str, Any]) -> Catalogue | None:
    """A user spec's own named errors:

        x-specmock-errors:
          OUT_OF_STOCK:
            status: 409
            message: The pet was sold a moment ago.
            code: OUT_OF_STOCK            # optional, defaults to the name
            retryable: false
            headers: {Retry-After: "5"}
            body: {code: 409, message: The pet was sold a moment ago.}  # optional

    Without `body` the answer is the error schema the operation declares for the status,
    filled with the message (else problem+json). The engine renders these itself.
    """
    entries = root.get(EXTENSION)
    if not entries:
        return None
    if not isinstance(entries, Mapping):
        raise CatalogueError(f"/{EXTENSION}", "must map error names to errors")
    errors = []
    for name, entry in entries.items():
        where = f"/{EXTENSION}/{name}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(where, "must be a mapping with status and message")
        status = entry.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status < 600:
            raise CatalogueError(f"{where}/status", "must be an HTTP status code (100-599)")
        message = entry.get("message")
        if not isinstance(message, str) or not message.strip():
            raise CatalogueError(f"{where}/message", "must be a sentence (a non-empty string)")
        headers = entry.get("headers") or {}
        if not isinstance(headers, Mapping):
            raise CatalogueError(f"{where}/headers", "must map header names to values")
        body = entry.get("body")
        errors.append(
            NamedError(
                str(name),
                status,
                entry.get("code", str(name)),
                message,
                bool(entry.get("retryable", status >= 500 or status == 429)),
                {str(k): str(v) for k, v in headers.items()},
                {"body": body} if body is not None else {},
            )
        )
    return Catalogue(service, tuple(errors), None)
