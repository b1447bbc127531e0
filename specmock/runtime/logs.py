"""One line per request, readable by people (`text`) or machines (`json`).

The request line is written off the request path: `request_line` appends a tuple
to a buffer and a writer thread formats and writes the buffer every `FLUSH_EVERY`
seconds in one `write`. Through `logging` each line cost a LogRecord, a handler
lock and a syscall, which took stateless GET throughput from 0.8x to 0.3-0.6x of
bare Starlette (bench/throughput.py). Other messages still go through `logging`.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from typing import Any

import orjson

access = logging.getLogger("specmock.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        return orjson.dumps(data).decode()


FLUSH_EVERY = 0.1  # seconds a line may wait in the buffer
FLUSH_LINES = 4096  # a buffer this long is written at once, without waiting


class RequestLines:
    """Buffered request lines for one stream, written by a daemon thread.

    The request path only appends a tuple of the fields; the thread formats them and
    writes the whole buffer in one `write` every FLUSH_EVERY seconds, sooner when
    FLUSH_LINES are waiting, and once more when the server shuts down (`flush`, run at
    the app's lifespan shutdown) or the process exits (atexit)."""

    def __init__(self, log_format: str, fd: int, every: float | None = None):
        self.json = log_format == "json"
        self.fd = fd
        self.every = FLUSH_EVERY if every is None else every
        self._pending: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._second = -1  # the whole second the cached time stamp is for
        self._stamp = ""
        self._thread = threading.Thread(target=self._run, name="specmock-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def add(self, line: tuple[Any, ...]) -> None:
        pending = self._pending
        pending.append(line)  # atomic under the GIL, as the flush's copy-then-delete is
        if len(pending) == FLUSH_LINES:
            self._wake.set()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.every)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Write what is left and stop the thread (at exit, or when reconfigured)."""
        self._closed = True
        self._wake.set()
        self.flush()

    def flush(self) -> None:
        with self._lock:
            pending = self._pending  # the same list always: an `add` racing this lands in it
            taken = len(pending)
            if not taken:
                return
            lines = pending[:taken]
            del pending[:taken]
            data = memoryview(self.format(lines))
            while data:
                try:
                    data = data[os.write(self.fd, data) :]
                except InterruptedError:
                    continue
                except OSError:  # stderr closed: the lines have nowhere to go
                    return

    def _time(self, created: float) -> str:
        """The line's time stamp, formatted once per second (strftime and the time zone
        lookup cost more than the rest of the line)."""
        second = int(created)
        if second != self._second:
            self._second = second
            if self.json:
                self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            else:
                self._stamp = time.strftime("%H:%M:%S", time.localtime(second))
        return self._stamp

    def format(self, lines: list[tuple[Any, ...]]) -> bytes:
        """The lines as written: `HH:MM:SS INFO GET /path 200 0.12ms <request id> <operation>`,
        or one JSON object per line with the same message and each field."""
        if self.json:
            return b"".join(map(self._json, lines))
        return "".join([
            TEXT % (self._time(created), method, path, status, ms, request_id, operation or "-")
            for created, method, path, status, ms, request_id, operation in lines
        ]).encode(errors="replace")  # fmt: skip

    def _json(self, line: tuple[Any, ...]) -> bytes:
        created, method, path, status, ms, request_id, operation = line
        message = MESSAGE % (method, path, status, ms, request_id, operation or "-")
        return orjson.dumps({
            "time": self._time(created), "level": "info", "logger": access.name,
            "message": message, "method": method, "path": path, "status": status,
            "ms": round(ms, 2), "request_id": request_id, "operation": operation,
        }) + b"\n"  # fmt: skip


MESSAGE = "%s %s %d %.2fms %s %s"
TEXT = "%s INFO " + MESSAGE + "\n"

_lines: RequestLines | None = None


def configure(log_format: str = "text", level: str = "info") -> None:
    """Install one stderr handler on the `specmock` logger, and the request-line writer."""
    global _lines
    if _lines is not None:
        _lines.close()
    try:
        _lines = RequestLines(log_format, sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # stderr is no file (captured)
        _lines = None
    root = logging.getLogger("specmock")
    root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


async def flush() -> None:
    """Write the buffered request lines now: a lifespan shutdown action, because uvicorn
    ends a process stopped by SIGTERM or SIGINT by raising the signal again once it has
    shut down, so atexit never runs then."""
    if _lines is not None:
        _lines.flush()


def request_line(
    method: str, path: str, status: int, ms: float, request_id: str, operation: str | None
) -> None:
    if not access.isEnabledFor(logging.INFO):
        return
    if _lines is not None:
        _lines.add((time.time(), method, path, status, ms, request_id, operation))
        return
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "ms": round(ms, 2),
        "request_id": request_id,
        "operation": operation,
    }
    access.info(
        "%s %s %d %.2fms %s %s",
        method,
        path,
        status,
        ms,
        request_id,
        operation or "-",
        extra={"fields": fields},
    )
