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


FLUSH_EVERY = 0.1  # seconds


class RequestLines:
    """Buffered request lines for one stream, written by a daemon thread."""

    def __init__(self, log_format: str, fd: int):
        self.json = log_format == "json"
        self.fd = fd
        self._pending: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="specmock-log", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def add(self, line: tuple[Any, ...]) -> None:
        self._pending.append(line)  # list.append is atomic under the GIL

    def _run(self) -> None:
        while not self._wake.wait(FLUSH_EVERY):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._pending = self._pending, []
            if not lines:
                return
            data = memoryview(b"".join(self._format(line) for line in lines))
            while data:
                try:
                    data = data[os.write(self.fd, data) :]
                except OSError:  # stderr closed: the lines have nowhere to go
                    return

    def _format(self, line: tuple[Any, ...]) -> bytes:
        created, method, path, status, ms, request_id, operation = line
        message = f"{method} {path} {status} {ms:.2f}ms {request_id} {operation or '-'}"
        if self.json:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
            return orjson.dumps({
                "time": stamp, "level": "info", "logger": access.name, "message": message,
                "method": method, "path": path, "status": status, "ms": round(ms, 2),
                "request_id": request_id, "operation": operation,
            }) + b"\n"  # fmt: skip
        stamp = time.strftime("%H:%M:%S", time.localtime(created))
        return f"{stamp} INFO {message}\n".encode(errors="replace")


_lines: RequestLines | None = None


def configure(log_format: str = "text", level: str = "info") -> None:
    """Install one stderr handler on the `specmock` logger, and the request-line writer."""
    global _lines
    if _lines is not None:
        _lines.flush()
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
