"""Distributed tracing across mesh hops: W3C Trace Context and B3 in, both out.

Incoming context is read from `traceparent` (+ `tracestate`), else B3 single
(`b3`), else B3 multi (`X-B3-TraceId`...). Anything corrupt or missing starts a
new trace: context never makes a request fail. Ids come from a seeded generator,
so the same seed and the same requests give the same trace ids.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from random import Random
from typing import Any

_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class SpanContext:
    trace_id: str  # 32 hex
    span_id: str  # 16 hex: the parent of whatever continues from here
    sampled: bool = True
    tracestate: str = ""


@dataclass
class Span:
    """One hop (server) or one outbound call (client), with what went wrong on it."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str  # "server", "client" or "producer"
    service: str
    start: float  # epoch seconds
    end: float = 0.0
    status: int | None = None
    error: str | None = None
    faults: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def finish(self, status: int | None = None, error: str | None = None) -> None:
        self.end = self.start + (time.perf_counter() - self._started)
        self.status = status if status is not None else self.status
        self.error = error or self.error

    @property
    def duration_ms(self) -> float:
        return round((self.end - self.start) * 1000, 3) if self.end else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_started")
        out["duration_ms"] = self.duration_ms
        return out


def _valid(value: str, length: int) -> bool:
    return len(value) == length and bool(_HEX.match(value)) and value.strip("0") != ""


def parse(headers: dict[str, str]) -> SpanContext | None:
    """The caller's context from W3C or B3 headers; None when absent or corrupt."""
    parent = headers.get("traceparent", "").strip().lower()
    if parent:
        parts = parent.split("-")
        version = parts[0]
        if (
            len(parts) >= 4
            and len(version) == 2
            and _HEX.match(version)
            and version != "ff"
            and (version != "00" or len(parts) == 4)
            and _valid(parts[1], 32)
            and _valid(parts[2], 16)
            and len(parts[3]) == 2
            and _HEX.match(parts[3])
        ):
            return SpanContext(
                parts[1], parts[2], bool(int(parts[3], 16) & 1), headers.get("tracestate", "")
            )
    single = headers.get("b3", "").strip().lower()
    if single and single not in ("0", "1", "d"):
        parts = single.split("-")
        if len(parts) >= 2:
            return _b3(parts[0], parts[1], parts[2] if len(parts) > 2 else "1")
    if "x-b3-traceid" in headers:
        return _b3(
            headers.get("x-b3-traceid", "").lower(),
            headers.get("x-b3-spanid", "").lower(),
            headers.get("x-b3-sampled", "1"),
        )
    return None


def _b3(trace_id: str, span_id: str, sampled: str) -> SpanContext | None:
    trace_id = trace_id.rjust(32, "0") if len(trace_id) == 16 else trace_id
    if not (_valid(trace_id, 32) and _valid(span_id, 16)):
        return None
    return SpanContext(trace_id, span_id, sampled not in ("0", "false"))


def outbound(ctx: SpanContext) -> dict[str, str]:
    """The headers that carry `ctx` to the next hop, in both W3C and B3 form."""
    flags = "01" if ctx.sampled else "00"
    headers = {
        "traceparent": f"00-{ctx.trace_id}-{ctx.span_id}-{flags}",
        "x-b3-traceid": ctx.trace_id,
        "x-b3-spanid": ctx.span_id,
        "x-b3-sampled": "1" if ctx.sampled else "0",
    }
    if ctx.tracestate:
        headers["tracestate"] = ctx.tracestate
    return headers


class Tracer:
    """Makes spans and keeps the most recent traces in memory for the admin API."""

    def __init__(self, seed: int = 0, max_traces: int = 1000):
        self._rng = Random(seed)
        self.max_traces = max_traces
        self.traces: OrderedDict[str, list[Span]] = OrderedDict()
        self.exporters: list[Any] = []  # objects with export(list[Span])

    def new_id(self, hex_chars: int) -> str:
        return f"{self._rng.getrandbits(hex_chars * 4) or 1:0{hex_chars}x}"

    def start(
        self,
        name: str,
        kind: str,
        service: str,
        parent: SpanContext | None,
        start: float | None = None,
    ) -> Span:
        """A span under `parent`, or the root of a new trace."""
        trace_id = parent.trace_id if parent else self.new_id(32)
        span = Span(
            trace_id,
            self.new_id(16),
            parent.span_id if parent else None,
            name,
            kind,
            service,
            time.time() if start is None else start,
        )
        if parent and parent.tracestate:
            span.attributes["tracestate"] = parent.tracestate
        return span

    def context(self, span: Span) -> SpanContext:
        return SpanContext(span.trace_id, span.span_id, True, span.attributes.get("tracestate", ""))

    def record(self, span: Span) -> None:
        spans = self.traces.get(span.trace_id)
        if spans is None:
            spans = self.traces[span.trace_id] = []
            while len(self.traces) > self.max_traces:
                self.traces.popitem(last=False)
        spans.append(span)
        for exporter in self.exporters:
            exporter.export([span])

    def find(self, trace_id: str) -> list[Span]:
        return sorted(self.traces.get(trace_id, []), key=lambda s: s.start)

    def summaries(self, limit: int = 100) -> list[dict[str, Any]]:
        """Most recent traces first: id, root operation, span count, failure."""
        out = []
        for trace_id in list(reversed(self.traces))[:limit]:
            spans = self.find(trace_id)
            root = next((s for s in spans if s.parent_id is None), spans[0])
            out.append(
                {
                    "trace_id": trace_id,
                    "root": root.name,
                    "spans": len(spans),
                    "services": sorted({s.service for s in spans}),
                    "failed": any((s.status or 0) >= 500 or s.error for s in spans),
                    "duration_ms": max(s.duration_ms for s in spans),
                }
            )
        return out

    def clear(self) -> None:
        self.traces.clear()
