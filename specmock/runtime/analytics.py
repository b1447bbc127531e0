"""Per-operation analytics: calls, status mix, latency percentiles and where answers
came from (generated, replayed from a cassette, forwarded upstream).

Latencies are kept per operation in a bounded window (the latest `WINDOW`), so
percentiles stay exact for a test run and memory stays flat for a long one.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

WINDOW = 2048
QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


@dataclass
class _Operation:
    calls: int = 0
    statuses: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    latencies: deque = field(default_factory=lambda: deque(maxlen=WINDOW))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted `values` (0.0 for none)."""
    if not values:
        return 0.0
    rank = max(1, -(-len(values) * q // 1))  # ceil(n * q), at least the first
    return values[int(rank) - 1]


class Analytics:
    def __init__(self) -> None:
        self._ops: dict[tuple[str, str], _Operation] = defaultdict(_Operation)

    def observe(self, service: str, operation: str, status: int, ms: float, source: str) -> None:
        entry = self._ops[(service, operation)]
        entry.calls += 1
        entry.statuses[status] += 1  # named as text when read
        entry.sources[source] += 1
        entry.latencies.append(ms)

    def clear(self) -> None:
        self._ops.clear()

    def summary(self, cache: dict[tuple[str, str], list[int]]) -> list[dict[str, Any]]:
        """One record per operation seen; `cache` holds [hits, misses] per operation."""
        out = []
        for (service, operation), entry in sorted(self._ops.items()):
            ordered = sorted(entry.latencies)
            hits, misses = cache.get((service, operation), [0, 0])
            lookups = hits + misses
            out.append(
                {
                    "service": service,
                    "operation": operation,
                    "calls": entry.calls,
                    "statuses": {str(s): n for s, n in sorted(entry.statuses.items())},
                    "latency_ms": {name: round(percentile(ordered, q), 3) for name, q in QUANTILES},
                    "cache": {
                        "hits": hits,
                        "misses": misses,
                        "hit_rate": round(hits / lookups, 4) if lookups else 0.0,
                    },
                    "sources": {
                        "mocked": entry.sources["mocked"],
                        "replayed": entry.sources["replayed"],
                        "forwarded": entry.sources["forwarded"],
                    },
                }
            )
        return out

    def prometheus(self, cache: dict[tuple[str, str], list[int]]) -> list[str]:
        lines = [
            "# HELP specmock_operation_latency_ms Latency percentiles per operation (window).",
            "# TYPE specmock_operation_latency_ms gauge",
        ]
        records = self.summary(cache)
        for r in records:
            labels = f'service="{r["service"]}",operation="{r["operation"]}"'
            for name, value in r["latency_ms"].items():
                quantile = name[1:]
                lines.append(
                    f'specmock_operation_latency_ms{{{labels},quantile="0.{quantile}"}} {value}'
                )
        lines += [
            "# HELP specmock_answers_total Answers by source: mocked, replayed or forwarded.",
            "# TYPE specmock_answers_total counter",
        ]
        for r in records:
            labels = f'service="{r["service"]}",operation="{r["operation"]}"'
            for source, n in r["sources"].items():
                lines.append(f'specmock_answers_total{{{labels},source="{source}"}} {n}')
        lines += [
            "# HELP specmock_operation_cache_hit_ratio Share of generated answers from the cache.",
            "# TYPE specmock_operation_cache_hit_ratio gauge",
        ]
        for r in records:
            labels = f'service="{r["service"]}",operation="{r["operation"]}"'
            lines.append(f"specmock_operation_cache_hit_ratio{{{labels}}} {r['cache']['hit_rate']}")
        return lines
