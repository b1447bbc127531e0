"""Receive signed notifications: refuse forged or stale ones (401), log and keep the rest.

Notifications are not put in a database: each is appended as one readable line to
`callbacks.log` in SPECMOCK_CALLBACK_LOG_DIR (default: <tmp>/specmock-callbacks) and kept
in memory, per app, for `GET /check`. SPECMOCK_CALLBACK_SECRET must match the sender's;
SPECMOCK_CALLBACK_TOLERANCE (300 s) bounds the timestamp's age on this app's clock.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from specmock import Context, Reply, override
from specmock.callbacks import (
    DEFAULT_SECRET,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    canonical,
    trace_id_of,
    verify,
)

log = logging.getLogger("specmock.callback_server")
_RECEIVED: dict[int, tuple[Any, dict[str, list[dict[str, Any]]]]] = {}


def log_dir(ctx: Context) -> Path:
    default = Path(tempfile.gettempdir()) / "specmock-callbacks"
    return Path(ctx.option("callback_log_dir") or default)


def _received(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """This app's notifications by reference (keyed by its store, like its other state)."""
    entry = _RECEIVED.get(id(ctx.store))
    if entry is None or entry[0] is not ctx.store:
        entry = (ctx.store, {})
        _RECEIVED[id(ctx.store)] = entry
    return entry[1]


def _write(ctx: Context, line: str) -> None:
    folder = log_dir(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "callbacks.log").open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def _error(status: int, message: str) -> Reply:
    """The spec's Error body; the message starts with the field at fault."""
    return Reply({"code": status, "message": message}, status=status)


@override("callback_server:receiveCallback")
async def receive_callback(ctx: Context) -> Reply:
    """Verify the HMAC signature and timestamp, then record the notification once."""
    secret = ctx.option("callback_secret") or DEFAULT_SECRET
    tolerance = float(ctx.option("callback_tolerance") or "300")
    trace_id = trace_id_of(ctx.headers.get("traceparent")) or ""
    why = verify(secret, ctx.headers.get(SIGNATURE_HEADER.lower()),
                 ctx.headers.get(TIMESTAMP_HEADER.lower()), ctx.raw_body or canonical(ctx.body),
                 ctx.clock.now(), tolerance)
    if why is not None:
        log.warning("POST /callback 401 %s trace=%s", why, trace_id)
        return _error(401, why)
    body = ctx.body
    seen = _received(ctx).setdefault(body["reference"], [])
    if any(n["seq"] == body["seq"] for n in seen):
        return Reply({"received": True, "duplicate": True})
    note = {**body, "received_at": ctx.now(), "trace_id": trace_id}
    seen.append(note)
    line = (f"{note['received_at']} ref={body['reference']} seq={body['seq']} "
            f"status={body['status']} previous={body.get('previous')} trace={trace_id} "
            f"body={json.dumps(body, sort_keys=True)}")
    _write(ctx, line)
    log.info("POST /callback 200 ref=%s seq=%s status=%s trace=%s", body["reference"],
             body["seq"], body["status"], trace_id)
    return Reply({"received": True, "duplicate": False})


@override("callback_server:checkCallbacks")
async def check_callbacks(ctx: Context) -> Reply:
    """What arrived for one order, in arrival order."""
    reference = str(ctx.params["reference"]).lower()
    return Reply({"reference": reference, "notifications": _received(ctx).get(reference, [])})


@override("callback_server:callbackHealth")
async def callback_health(ctx: Context) -> Reply:
    return Reply({"status": "ok", "service": "callback_server"})


__all__ = ["callback_health", "check_callbacks", "receive_callback"]
