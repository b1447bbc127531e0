"""Gotenberg's named errors, as it sends them: status and a plain-text sentence (its words,
from its API module's error handling), with the request's `Gotenberg-Trace`. A fault rule or
header can ask for one by name: `X-Specmock-Fault: QueueFull`."""

from __future__ import annotations

from specmock import (
    Catalogue,
    Failure,
    NamedError,
    Reply,
    register_catalogue,
    standard_presets,
)

from .replies import TEXT

SERVICE = "gotenberg"

ERRORS = (
    NamedError(
        "InvalidFormData",
        400,
        "InvalidFormData",
        "Invalid form data: form file 'index.html' is required",
        description="a conversion without index.html, or a form field Gotenberg cannot read",
    ),
    NamedError("Unauthorized", 401, "Unauthorized", "Unauthorized"),
    NamedError("Forbidden", 403, "Forbidden", "Forbidden"),
    NamedError("RequestEntityTooLarge", 413, "RequestEntityTooLarge", "Request Entity Too Large"),
    NamedError(
        "QueueFull",
        429,
        "QueueFull",
        "The request queue is full. Retry shortly, or raise the limit with "
        "--chromium-max-queue-size or --libreoffice-max-queue-size.",
        True,
    ),
    NamedError("InternalError", 500, "InternalError", "Internal Server Error", True),
    NamedError(
        "TimeLimitExceeded",
        503,
        "TimeLimitExceeded",
        "The request exceeded the time limit. Increase it with --api-timeout, or reduce the "
        "workload.",
        True,
    ),
)


def render(failure: Failure) -> Reply:
    """Plain text, as Gotenberg's error handler writes it, with the trace header echoed (or
    the request id when the client sent none)."""
    error = failure.error
    trace = failure.headers.get("gotenberg-trace") or failure.request_id
    return Reply(
        raw=failure.message.encode(),
        status=error.status,
        media_type=TEXT,
        headers={"Gotenberg-Trace": trace, **error.headers},
    )


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets=standard_presets(SERVICE, "QueueFull", "TimeLimitExceeded", "InternalError"),
        statuses={
            400: "InvalidFormData",
            401: "Unauthorized",
            403: "Forbidden",
            413: "RequestEntityTooLarge",
            429: "QueueFull",
            500: "InternalError",
            503: "TimeLimitExceeded",
        },
    )
)
