"""An answer on its way out: what every stage, the responder and the wire pass along."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..generator.plan import Operation
from .validation import Violation


@dataclass
class Outgoing:
    status: int
    body: bytes
    media_type: str | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    operation: Operation | None = None
    contract_errors: list[Violation] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)  # what the request got wrong
    fault: str | None = None  # an injected failure: a status, or a connection fault to act out
    fault_seconds: float = 30.0
    delay_ms: float = 0.0  # injected latency
    contract: str | None = None  # "injected, outside the contract" for such injected answers
    stream: Any = None  # an async iterator of body chunks sent after `body` (large answers)
