"""Object lock rules that other operations obey: what a version carries from the lock
headers or the bucket's default retention, and whether it may be deleted now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from specmock import Context

from .common import S3Error, iso

_DAY = 86400


def parse_date(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise S3Error("InvalidArgument", 400, f"RetainUntilDate {text!r} is not a date") from None


def on_put(ctx: Context, found: dict[str, Any]) -> dict[str, Any]:
    """The lock fields of a new version: `x-amz-object-lock-*` headers, else the bucket's
    default retention."""
    mode = ctx.headers.get("x-amz-object-lock-mode")
    until = ctx.headers.get("x-amz-object-lock-retain-until-date")
    hold = ctx.headers.get("x-amz-object-lock-legal-hold")
    if (mode or until or hold) and not found.get("lock"):
        raise missing_lock()
    out: dict[str, Any] = {}
    if mode and until:
        out["retention"] = {"Mode": mode, "until": parse_date(until)}
    elif found.get("lock_rule"):
        rule = found["lock_rule"]
        days = rule.get("Days") or 365 * (rule.get("Years") or 0)
        moment = datetime.fromtimestamp(ctx.clock.now(), UTC) + timedelta(days=days)
        out["retention"] = {"Mode": rule["Mode"], "until": moment.timestamp()}
    if hold:
        out["legal_hold"] = hold.upper()
    return out


def missing_lock() -> S3Error:
    return S3Error("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")


def lock_headers(record: dict[str, Any]) -> dict[str, str]:
    headers = {}
    if record.get("retention"):
        headers["x-amz-object-lock-mode"] = record["retention"]["Mode"]
        headers["x-amz-object-lock-retain-until-date"] = iso(record["retention"]["until"])
    if record.get("legal_hold"):
        headers["x-amz-object-lock-legal-hold"] = record["legal_hold"]
    return headers


def check_removable(ctx: Context, record: dict[str, Any]) -> None:
    """AccessDenied for a version under legal hold or unexpired retention (GOVERNANCE
    yields to `x-amz-bypass-governance-retention: true`)."""
    if record.get("legal_hold") == "ON":
        raise S3Error("AccessDenied", 403, "Access Denied because object protected by object lock.")
    retention = record.get("retention")
    if retention and retention["until"] > ctx.clock.now():
        bypass = ctx.headers.get("x-amz-bypass-governance-retention", "").lower() == "true"
        if retention["Mode"] == "COMPLIANCE" or not bypass:
            raise S3Error(
                "AccessDenied", 403, "Access Denied because object protected by object lock."
            )
