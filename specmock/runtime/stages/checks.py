"""The request against its contract: parameters, credentials, and the verdict.

Violations are collected, not raised, so one answer names every problem; the
verdict waits until faults and traffic modes have had their say (a proxy forwards
an invalid request and reports it as drift instead of refusing it).
"""

from __future__ import annotations

from collections.abc import Awaitable

from ...generator.params import RawRequest
from ...generator.plan import Operation
from .. import admin
from ..exchange import Exchange, cookies_of, query_of, raw_query_of
from ..responder import Outgoing
from ..router import without_marker
from ..validation import Rejection, check_params, check_security
from .refusal import refuse


def security(x: Exchange) -> Outgoing | None:
    """Refuses (raises) a request without credentials; a proxy lets the upstream decide."""
    assert x.op is not None and x.match is not None
    assert x.raw is not None  # the parameters stage has run
    schemes = x.match.entry.service.security_schemes
    try:
        check_security(x.op, schemes, x.raw, x.app.settings.credentials)
    except Rejection as exc:
        if not x.app.traffic.mode.forwards or x.op.service == admin.NAME:
            raise
        x.violations[:0] = exc.violations  # named first, as the first thing wrong
    return None


def parameters(x: Exchange) -> Outgoing | None:
    """Path, query, header and cookie parameters, parsed by their style and coerced."""
    assert x.op is not None and x.match is not None
    path = x.op.path
    x.query = without_marker(path, query_of(x.scope))
    x.raw = RawRequest(
        x.match.params,
        x.query,
        x.headers,
        cookies_of(x.headers),
        without_marker(path, raw_query_of(x.scope)),
    )
    x.params, violations = check_params(x.op, x.raw)
    x.violations.extend(violations)
    return None


def refuse_invalid(x: Exchange) -> Awaitable[Outgoing] | None:
    """A request that broke its contract gets every violation in one refusal."""
    if not x.violations:
        return None
    assert x.op is not None
    return refuse(x, validation_status(x.op), x.violations)


def validation_status(op: Operation) -> int:
    """400 where declared, else 422, else another declared status that says the request
    is wrong (a bad id often gets GitHub's 404): the answer stays in contract. Nothing of
    the kind declared: 400, an undocumented status rather than one that means something
    else (GitHub's 410 Gone tells a client the resource is no more)."""
    declared = op.responses
    for status in ("400", "422"):
        if status in declared:
            return int(status)
    if "4XX" in declared or "default" in declared:
        return 400
    codes = sorted(int(s) for s in declared if s in _INVALID)
    return codes[0] if codes else 400


# statuses a client reads as "this request is wrong"; not credentials (401, 403), not
# what an SDK retries (408, 429: a 429 for a bad body would be retried by OpenAI's client),
# not a state of the resource (410 Gone, 412, 423 Locked)
_INVALID = {"404", "409", "413", "414", "415", "416", "431"}
