"""Requests specmock refuses before a handler runs: SendGrid's envelope for Mail Send,
Mailpit's `{"Error": ...}` for the inbox API; both name the field and the rule."""

from __future__ import annotations

from specmock import (
    Catalogue,
    Context,
    Failure,
    NamedError,
    Reply,
    register_catalogue,
    rejected,
    standard_presets,
)

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


# -- the named errors SendGrid answers, for faults and scenarios ---------------------------
ERRORS = (
    NamedError("Unauthorized", 401, "unauthorized", _UNAUTHORIZED + "."),
    NamedError("Forbidden", 403, "forbidden", "access forbidden"),
    NamedError(
        "PayloadTooLarge",
        413,
        "payload_too_large",
        "The JSON payload you have included in your request is too large.",
    ),
    NamedError(
        "TooManyRequests",
        429,
        "too_many_requests",
        "too many requests",
        retryable=True,
        headers={"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0"},
        description="SendGrid's rate limit; clients wait for X-RateLimit-Reset.",
    ),
    NamedError(
        "InternalError",
        500,
        "internal_error",
        "An internal server error occurred. Please try again later.",
        retryable=True,
    ),
    NamedError(
        "ServiceUnavailable",
        503,
        "service_unavailable",
        "The service is temporarily unavailable. Please try again later.",
        retryable=True,
    ),
)


def render(failure: Failure) -> Reply:
    """SendGrid's envelope for Mail Send; Mailpit's `{"Error": ...}` for the inbox API."""
    error = failure.error
    if failure.operation_id == "sendMail" or failure.path.endswith("/v3/mail/send"):
        body: dict = {"errors": [{"message": failure.message}]}  # no field: nothing was wrong
    else:
        body = {"Error": failure.message}
    return Reply(body, error.status, media_type="application/json")  # headers: the engine


CATALOGUE = register_catalogue(
    Catalogue(
        "email",
        ERRORS,
        render,
        presets=standard_presets("email", "TooManyRequests", "ServiceUnavailable", "InternalError"),
        statuses={
            401: "Unauthorized",
            403: "Forbidden",
            413: "PayloadTooLarge",
            429: "TooManyRequests",
            500: "InternalError",
            503: "ServiceUnavailable",
        },
    )
)
