"""Finding a settled answer (settled.py): before routing for a request without a body
(the pipeline), once the body is read for one with a body (the body stage)."""

from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..outgoing import Outgoing
from ..traffic import Mode


def quiet(app: Engine) -> bool:
    """Nothing set that acts before the answer: no fault rule, no traffic mode. Checked
    on every lookup, so rules added by code (not through the control plane) count too."""
    return not app.faults.rules and app.traffic.mode is Mode.MOCK


def lookup(app: Engine, key: tuple[Any, ...] | None) -> Outgoing | None:
    """The answer kept for this key, counted as a hit of the response cache."""
    if key is None:
        return None
    cache = app.responder.cache
    out = cache.settled.get(key, app.clock.now)
    if out is not None:
        cache.hit(out.operation)
    return out
