"""One line per request, readable by people (`text`) or machines (`json`)."""

from __future__ import annotations

import logging
import sys
import time

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


def configure(log_format: str = "text", level: str = "info") -> None:
    """Install one stderr handler on the `specmock` logger."""
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
