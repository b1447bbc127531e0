"""Drift: where a real service and its contract disagree, found on live traffic.

In proxy and record modes every request and every upstream answer is checked
with the same compiled validators that guard generated answers. Each broken
rule becomes a finding; the report groups them by operation and rule so a team
sees at a glance which responses broke which part of the contract.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..generator.plan import Operation
from .cassette import Exchange
from .negotiation import base_type, find_declared, is_json
from .validation import Violation, schema_violations


@dataclass(frozen=True)
class Finding:
    """One broken rule in one exchange."""

    side: str  # "request" or "response"
    service: str
    operation: str | None
    method: str
    path: str
    status: int
    location: str
    pointer: str
    rule: str
    message: str


def response_drift(op: Operation, exchange: Exchange) -> list[Violation]:
    """What in the upstream's answer the contract does not allow."""
    response = op.response_for(exchange.status)
    if response is None:
        declared = ", ".join(op.responses)
        message = f"status {exchange.status} is not declared (declared: {declared})"
        return [Violation("response", "/", "status", message)]
    found = [
        Violation("header", f"/{h.name.lower()}", "required", f"header {h.name} is missing")
        for h in response.headers.values()
        if h.required and h.name.lower() not in exchange.response_headers
    ]
    if not response.content:
        return found
    media_type = base_type(exchange.media_type or "")
    declared = find_declared(response.content, media_type)
    if declared is None:
        offered = ", ".join(response.content)
        message = f"content type {media_type or '(none)'} is not declared (declared: {offered})"
        return [*found, Violation("response", "/", "mediaType", message)]
    media = response.content[declared]
    if media.schema is None or not is_json(media_type):
        return found
    try:
        value = orjson.loads(exchange.response_body)
    except orjson.JSONDecodeError as exc:
        return [*found, Violation("response", "/", "syntax", f"body is not JSON: {exc}")]
    validator = op.compiler.validator(media.schema, "response", media.pointer)
    if validator.is_valid(value):
        return found
    return [*found, *schema_violations(validator, value, "response", "")]


@dataclass
class DriftReport:
    """Findings in arrival order, optionally kept in a JSON file as they arrive."""

    file: str | Path | None = None
    findings: list[Finding] = field(default_factory=list)
    exchanges: int = 0  # checked, with or without findings

    def check(
        self,
        service: str,
        op: Operation | None,
        exchange: Exchange,
        request_violations: list[Violation],
    ) -> list[Finding]:
        self.exchanges += 1
        found = [self._finding("request", service, op, exchange, v) for v in request_violations]
        if op is None and exchange.status not in (404, 405):  # both agree it is not there
            message = f"no operation is declared for {exchange.method} {exchange.path}"
            found.append(
                self._finding(
                    "request",
                    service,
                    None,
                    exchange,
                    Violation("path", exchange.path, "undocumented", message),
                )
            )
        elif op is not None:
            found += [
                self._finding("response", service, op, exchange, v)
                for v in response_drift(op, exchange)
            ]
        self.findings.extend(found)
        if self.file is not None:
            self.save()
        return found

    def clear(self) -> None:
        self.findings.clear()
        self.exchanges = 0
        if self.file is not None:
            self.save()

    def summary(self) -> dict[str, Any]:
        rules = Counter(
            (f.side, f.operation or f"{f.method} {f.path}", f.rule, f.pointer)
            for f in self.findings
        )
        return {
            "exchanges": self.exchanges,
            "findings": len(self.findings),
            "rules": [
                {"side": side, "operation": op, "rule": rule, "pointer": pointer, "count": n}
                for (side, op, rule, pointer), n in rules.most_common()
            ],
            "items": [asdict(f) for f in self.findings],
        }

    def save(self) -> None:
        path = Path(self.file or "")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(self.summary(), option=orjson.OPT_INDENT_2))
        os.replace(tmp, path)

    @staticmethod
    def _finding(
        side: str, service: str, op: Operation | None, exchange: Exchange, v: Violation
    ) -> Finding:
        return Finding(
            side,
            service,
            op.operation_id if op else None,
            exchange.method,
            exchange.path,
            exchange.status,
            v.location,
            v.pointer,
            v.rule,
            v.message,
        )
