"""Prometheus text metrics: requests, latency, validation failures, per service/operation."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from .analytics import Analytics

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str, int], int] = defaultdict(int)
        self.invalid: dict[tuple[str, str], int] = defaultdict(int)
        self.broken: dict[tuple[str, str], int] = defaultdict(int)
        self.faults: dict[tuple[str, str, str], int] = defaultdict(int)
        self.injected: dict[tuple[str, str, int, str], int] = defaultdict(int)
        self.latency: dict[tuple[str, str], list[float]] = {}
        self.latency_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.analytics = Analytics()

    def observe(
        self,
        service: str,
        operation: str,
        method: str,
        status: int,
        seconds: float,
        invalid: bool,
        broken: bool,
        source: str = "mocked",
    ) -> None:
        self.requests[(service, operation, method, status)] += 1
        self.analytics.observe(service, operation, status, seconds * 1000, source)
        if invalid:
            self.invalid[(service, operation)] += 1
        if broken:
            self.broken[(service, operation)] += 1
        key = (service, operation)
        counts = self.latency.get(key)
        if counts is None:
            counts = self.latency[key] = [0] * (len(BUCKETS) + 1)
        counts[bisect_left(BUCKETS, seconds)] += 1  # per bucket; render() accumulates
        self.latency_sum[key] += seconds

    def inject(self, service: str, operation: str, status: int, contract: str) -> None:
        """An injected error answer; `contract` is "injected" or "injected, outside the
        contract" (a status or body the operation does not declare)."""
        self.injected[(service, operation, status, contract)] += 1

    def render(self) -> str:
        lines = [
            "# HELP specmock_requests_total Requests answered.",
            "# TYPE specmock_requests_total counter",
        ]
        for (svc, op, method, status), n in sorted(self.requests.items()):
            lines.append(
                f'specmock_requests_total{{service="{svc}",operation="{op}",'
                f'method="{method}",status="{status}"}} {n}'
            )
        lines += [
            "# HELP specmock_request_validation_failures_total Requests refused.",
            "# TYPE specmock_request_validation_failures_total counter",
        ]
        lines += [
            f'specmock_request_validation_failures_total{{service="{s}",operation="{o}"}} {n}'
            for (s, o), n in sorted(self.invalid.items())
        ]
        lines += [
            "# HELP specmock_contract_violations_total Responses that broke the contract.",
            "# TYPE specmock_contract_violations_total counter",
        ]
        lines += [
            f'specmock_contract_violations_total{{service="{s}",operation="{o}"}} {n}'
            for (s, o), n in sorted(self.broken.items())
        ]
        lines += [
            "# HELP specmock_injected_errors_total Injected error answers; contract says "
            "whether the contract declares them.",
            "# TYPE specmock_injected_errors_total counter",
        ]
        lines += [
            f'specmock_injected_errors_total{{service="{s}",operation="{o}",status="{c}",'
            f'contract="{k}"}} {n}'
            for (s, o, c, k), n in sorted(self.injected.items())
        ]
        lines += [
            "# HELP specmock_request_seconds Time to answer.",
            "# TYPE specmock_request_seconds histogram",
        ]
        for (svc, op), counts in sorted(self.latency.items()):
            labels = f'service="{svc}",operation="{op}"'
            total = 0
            for bound, n in zip((*BUCKETS, "+Inf"), counts, strict=True):
                total += n
                lines.append(f'specmock_request_seconds_bucket{{{labels},le="{bound}"}} {total}')
            lines.append(f"specmock_request_seconds_sum{{{labels}}} {self.latency_sum[(svc, op)]}")
            lines.append(f"specmock_request_seconds_count{{{labels}}} {total}")
        return "\n".join(lines) + "\n"
