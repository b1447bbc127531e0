"""Signatures and trace ids on callbacks: what lets a receiver trust and follow one.

Every attempt is signed with HMAC-SHA256 over `timestamp + "." + body`, so a receiver can
check both who sent it and that it is fresh (`verify`), and it carries a W3C `traceparent`
continuing the trace of the request that caused it (`trace_id_of` reads one back).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

DEFAULT_SECRET = "specmock-callback-secret"
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def canonical(payload: Any) -> bytes:
    """The bytes that are sent and signed; a receiver re-derives them from the parsed body."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `timestamp + "." + body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    now: float,
    tolerance: float = 300.0,
) -> str | None:
    """Why a signed request must be refused, or None when it is genuine and fresh."""
    if not signature or not timestamp:
        return f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header"
    try:
        sent = float(timestamp)
    except ValueError:
        return f"{TIMESTAMP_HEADER} is not a number of seconds"
    if abs(now - sent) > tolerance:
        return f"{TIMESTAMP_HEADER} is {abs(now - sent):.0f} s from now (tolerance {tolerance:g} s)"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        return f"{SIGNATURE_HEADER} does not match the body"
    return None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a valid W3C traceparent, else None."""
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    return match.group(1) if match and match.group(1) != "0" * 32 else None
