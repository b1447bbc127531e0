"""Time as specmock sees it: real by default, virtual (frozen, advanced) in tests.

Every timestamp specmock writes and every expiry it checks reads a Clock, so a
test can move time forward instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

_POLL = 0.01  # seconds between looks at a frozen clock


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""


class RealClock:
    """The machine's time, optionally shifted by a fixed offset."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset


class VirtualClock:
    """Frozen until told otherwise; `advance` moves it, `resume` lets it run from there."""

    def __init__(self, start: float | None = None, frozen: bool = True):
        self._base = time.time() if start is None else start
        self._since = time.monotonic()
        self.frozen = frozen

    def now(self) -> float:
        if self.frozen:
            return self._base
        return self._base + (time.monotonic() - self._since)

    def set(self, when: float) -> None:
        self._base = when
        self._since = time.monotonic()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)

    def freeze(self) -> None:
        self.set(self.now())
        self.frozen = True

    def resume(self) -> None:
        self.set(self.now())
        self.frozen = False


def iso(seconds: float) -> str:
    """RFC 3339 in UTC, to the second: the form generated `date-time` values take too."""
    d = datetime.fromtimestamp(seconds, UTC)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


async def wait(clock: Clock, seconds: float) -> None:
    """Let `seconds` pass on `clock`. Real and running clocks sleep; a frozen virtual clock
    waits until it is advanced past the deadline, so a test paces a stream by moving time."""
    if seconds <= 0:
        return
    if isinstance(clock, VirtualClock) and clock.frozen:
        deadline = clock.now() + seconds
        while clock.now() < deadline:
            await asyncio.sleep(_POLL)
        return
    await asyncio.sleep(seconds)
