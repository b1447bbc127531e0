"""Failures in the vendor's own voice: injected errors and refusals, rendered from the
service's error catalogue.

An injected status or named error may be one the operation does not declare (real
services answer more than their contracts say). Such an answer goes out as asked, in
the vendor's envelope, and is marked `injected, outside the contract` on the answer
itself, so the journal and metrics say so and strict checking lets it through.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from typing import Any

import orjson

from ..generator.plan import Operation, Service
from ..generator.xmlcodec import is_xml
from . import errorbody, problems
from .catalogue import (
    Catalogue,
    CatalogueError,
    Failure,
    NamedError,
    from_spec,
    generic_error,
    reason,
    registered,
)
from .engine import Engine
from .faults import CONNECTION_FAULTS, Decision, Faults, RuleError, Target, parse_rule
from .hooks import Reply
from .negotiation import is_json
from .responder import Outgoing, Responder, unchecked
from .validation import Violation

OUTSIDE = "injected, outside the contract"
DECLARED = "injected"
_SPEC_CATALOGUES: dict[int, Catalogue | None] = {}


def catalogue_of(service: Service) -> Catalogue | None:
    """The registered catalogue of a bundled service, else the spec's `x-specmock-errors`."""
    found = registered(service.name)
    if found is not None:
        return found
    root = service.document.root
    key = id(root)
    if key not in _SPEC_CATALOGUES:
        try:
            _SPEC_CATALOGUES[key] = from_spec(service.name, root)
        except CatalogueError:
            _SPEC_CATALOGUES[key] = None  # `specmock validate` names the problem
    return _SPEC_CATALOGUES[key]


def resolve(decision: Decision, service: str, catalogue: Catalogue | None) -> NamedError:
    """The error a fault decision asks for. A bare status keeps the status asked for."""
    if decision.error:
        found = catalogue.find(decision.error) if catalogue else None
        if found is None:
            known = ", ".join(catalogue.names()) if catalogue else "none"
            who = "X-Specmock-Fault" if decision.rule == "header" else f"fault {decision.rule}"
            raise RuleError(
                f"{who}: {decision.error!r} is not an error of {service} (named errors: "
                f"{known}); it also takes a status or one of {', '.join(CONNECTION_FAULTS)}"
            )
        if decision.status is not None and decision.status != found.status:
            return dataclasses.replace(found, status=decision.status)
        return found
    assert decision.status is not None
    found = catalogue.for_status(decision.status) if catalogue else generic_error(decision.status)
    if found.status != decision.status:
        found = dataclasses.replace(found, status=decision.status)
    return found


def render(
    responder: Responder,
    op: Operation | None,
    service: Service,
    error: NamedError,
    headers: Mapping[str, str],
    method: str,
    path: str,
    now: float,
    options: Mapping[str, str],
    detail: str = "",
) -> Outgoing:
    """The error in the service's envelope; its `contract` mark says whether the answer
    is one the contract declares."""
    catalogue = catalogue_of(service)
    seed = responder.seed_for(op, error.status, {}) if op else responder.settings.seed
    request_id = f"{random.Random(seed).getrandbits(64):016X}"
    if catalogue is not None and catalogue.render is not None:
        failure = Failure(
            error,
            service.name,
            method,
            path,
            op.operation_id if op else None,
            headers,
            detail,
            request_id,
            now,
            options,
        )
        out = _outgoing(catalogue.render(failure), error, op)
    else:
        out = _spec_error(responder, op, error, headers.get("accept"), detail)
    return dataclasses.replace(out, contract=DECLARED if _declared(responder, op, out) else OUTSIDE)


def _outgoing(reply: Reply, error: NamedError, op: Operation | None) -> Outgoing:
    headers = [*error.headers.items(), *reply.headers.items()]
    return unchecked(reply, op, reply.status or error.status, headers)


def _spec_error(
    responder: Responder, op: Operation | None, error: NamedError, accept: str | None, detail: str
) -> Outgoing:
    """A user spec's error: the entry's body, else the declared error schema filled with
    the message, else problem+json."""
    headers = list(error.headers.items())
    message = f"{error.message.rstrip('.')}: {detail}" if detail else error.message
    body = error.fields.get("body")
    if body is not None:
        return Outgoing(error.status, orjson.dumps(body), "application/json", headers, op)
    if op is not None:
        found = errorbody.declared(responder.error_context, op, error.status, message, [], accept)
        if found is not None:
            media_type, data, _ = found
            return Outgoing(error.status, data, media_type, headers, op)
    problem = {
        "type": "about:blank",
        "title": reason(error.status),
        "status": error.status,
        "detail": message,
        "code": str(error.code),
    }
    return Outgoing(error.status, orjson.dumps(problem), problems.PROBLEM_TYPE, headers, op)


def _declared(responder: Responder, op: Operation | None, out: Outgoing) -> bool:
    """Whether the contract declares this status and, for JSON, this body."""
    if op is None:
        return False
    response = op.response_for(out.status)
    if response is None:
        return False
    if not out.body:
        return not response.content
    media = out.media_type or ""
    if is_json(media):
        validator = responder.validator_for(op, out.status)
        if validator is None:
            return any(is_json(m) for m in response.content)
        try:
            return bool(validator.is_valid(orjson.loads(out.body)))
        except orjson.JSONDecodeError:
            return False
    return is_xml(media) and any(is_xml(m) for m in response.content)


def refusal(
    responder: Responder,
    service: Service,
    op: Operation | None,
    status: int,
    violations: list[Violation],
    headers: Mapping[str, str],
    method: str,
    path: str,
    now: float,
    options: Mapping[str, str],
) -> Outgoing | None:
    """A refusal (unknown path, method not allowed) in a bundled vendor's envelope and
    status conventions; None where the service has no renderer of its own."""
    catalogue = registered(service.name)
    if catalogue is None:
        return None
    error = catalogue.for_status(status)
    detail = "; ".join(_said(v) for v in violations[:5])
    out = render(responder, op, service, error, headers, method, path, now, options, detail)
    if op is not None and op.response_for(out.status) is not None and out.contract == OUTSIDE:
        return None  # the contract declares this refusal's body: it wins over the catalogue
    return dataclasses.replace(out, violations=violations, contract=None)


SCENARIO_HEADER = "x-specmock-scenario"


def scenario_faults(app: Engine, name: str) -> Faults:
    """The rules of a scenario a request names in `X-Specmock-Scenario`, kept per name so
    their counters (`every`, `first`, `after`) run across the requests that name it."""
    kept = app.header_scenarios
    if name not in kept:
        if name not in app.scenarios:
            known = ", ".join(sorted(app.scenarios)) or "none"
            raise RuleError(f"X-Specmock-Scenario: no scenario {name!r} (known: {known})")
        items = (app.scenarios[name] or {}).get("faults") or []
        kept[name] = Faults(app.settings.seed, [parse_rule(r, i) for i, r in enumerate(items)])
    return kept[name]


def decide(app: Engine, target: Target, headers: Mapping[str, str]) -> Decision | None:
    """The header's fault, else the named scenario's rules, else the active rules."""
    decision = app.faults.from_headers(headers)
    if decision is not None:
        return decision
    name = headers.get(SCENARIO_HEADER)
    if name:
        return scenario_faults(app, name.strip()).decide(target)
    return app.faults.decide(target)


def presets(services: list[Service]) -> dict[str, dict[str, Any]]:
    """The scenario presets of the served services: `<service>:<preset>` each, and the bare
    preset name for all services that have it (`throttling` throttles every one of them,
    each in its own errors)."""
    found: dict[str, dict[str, Any]] = {}
    for service in services:
        catalogue = registered(service.name)
        for name, scenario in (catalogue.presets if catalogue else {}).items():
            found[f"{service.name}:{name}"] = scenario
            merged = found.setdefault(name, {"faults": [], "options": {}})
            merged["faults"] = [*merged["faults"], *(scenario.get("faults") or [])]
            merged["options"] = {**merged["options"], **(scenario.get("options") or {})}
    return found


def errors_by_service(services: list[Service], only: str | None = None) -> dict[str, list]:
    """Every served service's named errors, for `GET /__specmock/errors`."""
    out: dict[str, list] = {}
    for service in services:
        if only and service.name != only:
            continue
        catalogue = catalogue_of(service)
        out[service.name] = [e.as_dict() for e in catalogue.errors] if catalogue else []
    return out


def _said(violation: Violation) -> str:
    """One violation as a clause: where, when that helps, and what."""
    if violation.location in ("path", "method") or violation.pointer in ("", "/"):
        return violation.message
    return f"{violation.location} {violation.pointer}: {violation.message}"
