"""Requests specmock refuses before a handler runs: SendGrid's envelope for Mail Send,
Mailpit's `{"Error": ...}` for the inbox API; both name the field and the rule."""

from __future__ import annotations

from specmock import Context, Reply, rejected

from .api import error
from .sendgrid import HELP

_UNAUTHORIZED = "The provided authorization grant is invalid, expired, or revoked"


def _field(pointer: str) -> str | None:
    """A JSON pointer (/personalizations/0/to) as SendGrid writes fields (personalizations.0.to)."""
    return ".".join(p for p in pointer.split("/") if p) or None


@rejected("email")
async def rejected_request(ctx: Context) -> Reply:
    status = ctx.rejection_status or 400
    if ctx.operation_id == "sendMail":
        if status == 401:
            entry = {"message": _UNAUTHORIZED, "field": None, "help": None}
            return Reply({"errors": [entry]}, status=401)
        entries = [
            {
                "message": v.get("message", ""),
                "field": _field(v.get("pointer", "")) if v.get("in") == "body" else None,
                "help": HELP + (_field(v.get("pointer", "")) or "").split(".")[0],
            }
            for v in ctx.violations
        ] or [{"message": "The request could not be read.", "field": None, "help": None}]
        return Reply({"errors": entries}, status=status if status in (400, 413) else 400)
    detail = "; ".join(
        f"{v.get('in', '')} {v.get('pointer', '')}: {v.get('message', '')}".strip()
        for v in ctx.violations
    )
    return error(400, detail or "the request could not be read")
