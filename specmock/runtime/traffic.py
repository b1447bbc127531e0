"""Where answers come from: generated (mock), a real upstream, or a cassette.

mock      generate from the contract (the default)
proxy     forward to the upstream; check request and answer, report drift
record    proxy, and keep every exchange in the cassette (secrets redacted)
playback  answer from the cassette; a request nothing matches is refused
hybrid    answer from the cassette, generate where nothing matches
"""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..generator.plan import Operation
from .cassette import Cassette, Exchange
from .drift import DriftReport
from .validation import Violation

if TYPE_CHECKING:  # httpx loads only when a mode forwards
    import httpx


class Mode(StrEnum):
    MOCK = "mock"
    PROXY = "proxy"
    RECORD = "record"
    PLAYBACK = "playback"
    HYBRID = "hybrid"

    @property
    def forwards(self) -> bool:
        return self in (Mode.PROXY, Mode.RECORD)

    @property
    def replays(self) -> bool:
        return self in (Mode.PLAYBACK, Mode.HYBRID)


class TrafficError(ValueError):
    """A mode that cannot work as configured (no upstream, an unknown mode)."""


# hop-by-hop and framing headers: they describe one connection, not the exchange
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
        "host",
    }
)


# Upstreams on this host are always allowed: the admin API answers loopback clients anyway.
LOOPBACK = [
    f"{scheme}://{host}{port}"
    for scheme in ("http", "https")
    for host in ("127.0.0.1", "localhost", "[::1]")
    for port in ("", ":*", "/*")
]


def split_upstream(value: str) -> tuple[str, str]:
    """`service=URL` -> (service, URL); a bare `URL` is for every service ("")."""
    name, _, url = value.partition("=") if "=" in value.split("://")[0] else ("", "", value)
    return name, url


def parse_upstreams(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`URL` (every service) or `service=URL`, repeated."""
    return checked_upstreams(dict(split_upstream(v) for v in values))


def checked_upstreams(upstreams: dict[str, str]) -> dict[str, str]:
    """The base URLs without a trailing slash; one that is no http(s) URL is refused."""
    for name, url in upstreams.items():
        try:
            host = urlsplit(url).hostname if url.startswith(("http://", "https://")) else ""
        except ValueError:  # brackets must pair: http://[ is no host
            host = ""
        if not host:
            given = f"{name}={url}" if name else url
            raise TrafficError(f"upstream {given!r}: expected [service=]http(s)://host[:port]")
    return {name: url.rstrip("/") for name, url in upstreams.items()}


@dataclass
class Traffic:
    """The mode and everything it needs; the app asks it before generating."""

    mode: Mode = Mode.MOCK
    upstreams: dict[str, str] = field(default_factory=dict)
    cassette: Cassette = field(default_factory=Cassette)
    cassette_file: Path | None = None
    drift: DriftReport = field(default_factory=DriftReport)
    timeout: float = 30.0
    # After start, upstreams may only be changed (admin API) to URLs matching one of
    # these fnmatch patterns: the upstreams given at start plus --allow-upstream ones.
    allowed: list[str] | None = None
    _client: httpx.AsyncClient | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def configure(self, mode: str, upstreams: dict[str, str] | None = None) -> None:
        try:
            wanted = Mode(mode)
        except ValueError:
            allowed = ", ".join(m.value for m in Mode)
            raise TrafficError(f"mode {mode!r} is not one of {allowed}") from None
        if upstreams is not None:
            checked = checked_upstreams(upstreams)
            refused = [u for u in checked.values() if not self.permits(u)]
            if refused:
                raise TrafficError(
                    f"upstream {refused[0]!r} is not allowed: start specmock with "
                    f"--allow-upstream PATTERN (allowed: {', '.join(self.allowed or [])})"
                )
            self.upstreams = checked
        if wanted.forwards and not self.upstreams:
            raise TrafficError(f"mode {wanted} needs an upstream URL")
        if wanted is Mode.RECORD and self.cassette_file is None:
            raise TrafficError("mode record needs a cassette file")
        if wanted.forwards:
            import httpx  # noqa: F401 - loaded now, not while the first request waits
        self.mode = wanted
        self.cassette.rewind()

    def permits(self, url: str) -> bool:
        if self.allowed is None:
            return True
        return any(url == p or fnmatch.fnmatchcase(url, p) for p in self.allowed)

    def lock(self, patterns: list[str]) -> None:
        """From now on only the current upstreams, this host (loopback) and URLs matching
        `patterns`."""
        given = [p.rstrip("/") for p in patterns]
        self.allowed = [*self.upstreams.values(), *LOOPBACK, *given]

    def upstream_for(self, service: str) -> str | None:
        return self.upstreams.get(service) or self.upstreams.get("")

    async def forward(
        self,
        base: str,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes | AsyncIterator[bytes],
        prefix: str = "",
    ) -> Exchange:
        """Send the request on, less the service's mount prefix; a failed connection is a 502."""
        import httpx

        client = self._client_for_loop()
        sent = {
            k: v for k, v in headers.items() if k not in _HOP and not k.startswith("x-specmock-")
        }
        started = time.time()
        clock = time.perf_counter()
        if not isinstance(body, bytes) and "content-length" in headers:
            sent["content-length"] = headers["content-length"]  # streamed, but not chunked
        url = base + path[len(prefix) :] + (f"?{query}" if query else "")
        try:
            answer = await client.request(method, url, headers=sent, content=body)
            status, content = answer.status_code, answer.content
            received = {k.lower(): v for k, v in answer.headers.items() if k.lower() not in _HOP}
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            status, content = 502, f"upstream {base} failed: {exc!r}".encode()
            received = {"content-type": "text/plain"}
        ms = (time.perf_counter() - clock) * 1000
        kept = body if isinstance(body, bytes) else b""  # a stream's copy is the caller's
        return Exchange(
            method, path, query, dict(headers), kept, status, received, content, started, ms
        )

    def _client_for_loop(self) -> httpx.AsyncClient:
        """One pooled client per event loop: an in-process test client runs a loop per call."""
        import httpx

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
            self._loop = loop
        return self._client

    def replayed(self, method: str, path: str, query: str, body: bytes) -> Exchange | None:
        return self.cassette.find(method, path, query, body)

    def observe(
        self, service: str, op: Operation | None, exchange: Exchange, violations: list[Violation]
    ) -> None:
        """A forwarded exchange: checked for drift, and kept when recording."""
        exchange.operation = op.operation_id if op else None
        self.drift.check(service, op, exchange, violations)
        if self.mode is Mode.RECORD:
            self.cassette.add(exchange)
            if self.cassette_file is not None:
                self.cassette.save(self.cassette_file)

    async def close(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
            self._client = None
