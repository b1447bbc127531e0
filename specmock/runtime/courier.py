"""One signed attempt at one delivery: the only part of callbacks that touches the network.

Every attempt is signed and carries a `traceparent` (`signing`). Only its network timeout is
real time: a socket cannot wait on a virtual clock. A mock must not spray requests at
whatever host a client (or a fuzzer) names, so only loopback hosts are called unless
`allowed_hosts` says otherwise ("*" allows every host); an attempt at another host fails
with no retry left, saying why, and the delivery goes to the dead letters.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .delivery import Delivery, RetryPolicy
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, canonical, sign

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# (method, url, body, headers, timeout) -> the HTTP status; raises on failure or timeout.
Sender = Callable[[str, str, bytes, dict[str, str], float], Awaitable[int]]


@dataclass
class Courier:
    """Sends attempts with one secret, policy and seed; `send` replaces HTTP (tests, SDKs
    that sign their own way), else one pooled httpx client is used and closed by `close`."""

    secret: str
    policy: RetryPolicy
    seed: int
    allowed_hosts: tuple[str, ...] = LOOPBACK
    send: Sender | None = None
    _client: Any = field(default=None, repr=False)

    async def attempt(self, delivery: Delivery, now: float) -> tuple[bool, str]:
        """One signed attempt made at `now`: (whether it was answered 2xx, the status or the
        error). It counts in `delivery.attempt`; a refused host uses up every attempt."""
        delivery.attempt += 1
        timestamp = str(int(now))  # whole seconds: receivers commonly do int(ts)
        body = canonical(delivery.payload)
        span = random.Random(f"{self.seed}:{delivery.id}:{delivery.attempt}").getrandbits(64)
        headers = {
            "content-type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            "traceparent": f"00-{delivery.trace_id}-{span or 1:016x}-01",
        }
        host = urlsplit(delivery.url).hostname or ""
        try:
            if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
                delivery.attempt = self.policy.attempts  # no retry can make it allowed
                raise PermissionError(f"host {host!r} is not an allowed callback host")
            send = self.send or self._http_send
            status = await send(delivery.method, delivery.url, body, headers, self.policy.timeout)
            return 200 <= status < 300, str(status)
        except Exception as exc:  # a timeout or a refused connection is a failed attempt
            return False, f"{type(exc).__name__}: {exc}".strip(": ")

    async def _http_send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> int:
        """Send over one pooled client; the status, or an exception on failure or timeout."""
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient()
        response = await self._client.request(
            method, url, content=body, headers=headers, timeout=timeout
        )
        return response.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
