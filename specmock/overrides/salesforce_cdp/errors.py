"""The three error shapes Data Cloud speaks: OAuth, the Direct APIs and the Connect REST API."""

from __future__ import annotations

from typing import Any

from specmock import Reply

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
}


class ApiError(Exception):
    """Raised anywhere below a handler; the handler turns it into the right body."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def oauth(status: int, error: str, description: str) -> Reply:
    """`{"error", "error_description"}`: what the token endpoints answer on failure."""
    return Reply({"error": error, "error_description": description}, status=status)


def direct(exc: ApiError) -> Reply:
    """Tenant-host errors: clients read `message` (the cdp connector prints it)."""
    body: dict[str, Any] = {
        "error": _REASONS.get(exc.status, "Error"),
        "errorCode": exc.code,
        "message": exc.message,
    }
    if exc.details:
        body["details"] = exc.details
    return Reply(body, status=exc.status)


def rest(exc: ApiError) -> Reply:
    """Core-host Connect API errors: a JSON array of `{errorCode, message}`."""
    return Reply([{"errorCode": exc.code, "message": exc.message}], status=exc.status)
