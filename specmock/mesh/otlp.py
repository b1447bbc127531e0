"""OTLP export of mesh spans through the OpenTelemetry SDK (Jaeger or any collector).

Mesh spans keep the ids that travelled in the headers, so they are handed to the
SDK as finished ReadableSpans (one resource per mesh service) and go out through
its batch processor and an OTLP exporter. Needs the `mesh` extra:
`pip install "specmock[mesh]"`.
"""

from __future__ import annotations

from typing import Any

from .tracing import Span

_KINDS = {"server": "SERVER", "client": "CLIENT", "producer": "PRODUCER"}


class OtlpExporter:
    """Feeds finished mesh spans to an OTel span processor (batched by default)."""

    def __init__(self, endpoint: str | None = None, exporter: Any = None, batch: bool = True):
        try:
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                'OTLP export needs the OpenTelemetry SDK: pip install "specmock[mesh]"'
            ) from exc
        if exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=endpoint)
        self.processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self._resources: dict[str, Any] = {}

    def export(self, spans: list[Span]) -> None:
        for span in spans:
            self.processor.on_end(self._readable(span))

    def flush(self) -> None:
        self.processor.force_flush()

    def shutdown(self) -> None:
        self.processor.shutdown()

    def _readable(self, span: Span) -> Any:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import ReadableSpan
        from opentelemetry.trace.status import Status, StatusCode

        resource = self._resources.get(span.service)
        if resource is None:
            resource = self._resources[span.service] = Resource.create(
                {"service.name": span.service}
            )
        flags = trace.TraceFlags(trace.TraceFlags.SAMPLED)
        context = trace.SpanContext(int(span.trace_id, 16), int(span.span_id, 16), False, flags)
        parent = (
            trace.SpanContext(int(span.trace_id, 16), int(span.parent_id, 16), True, flags)
            if span.parent_id
            else None
        )
        failed = (span.status or 0) >= 500 or bool(span.error)
        attributes: dict[str, Any] = {
            k: v for k, v in span.attributes.items() if isinstance(v, str | bool | int | float)
        }
        if span.status is not None:
            attributes["http.response.status_code"] = span.status
        if span.faults:
            attributes["specmock.faults"] = list(span.faults)
        return ReadableSpan(
            span.name,
            context=context,
            parent=parent,
            resource=resource,
            attributes=attributes,
            kind=getattr(trace.SpanKind, _KINDS.get(span.kind, "INTERNAL")),
            status=Status(StatusCode.ERROR, span.error or "") if failed else Status(StatusCode.OK),
            start_time=int(span.start * 1e9),
            end_time=int((span.end or span.start) * 1e9),
        )
