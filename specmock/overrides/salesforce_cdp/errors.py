"""The three error shapes Data Cloud speaks (OAuth, the Direct APIs, the Connect REST
API) and its named errors for faults and scenarios."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from specmock import Catalogue, Failure, NamedError, Reply, register_catalogue, standard_presets

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


# -- the named errors Data Cloud answers, for faults and scenarios ------------------------
SERVICE = "salesforce_cdp"
ERRORS = (
    NamedError(
        "INVALID_TOKEN",
        401,
        "INVALID_TOKEN",
        "The access token is invalid or has expired; exchange a new one.",
    ),
    NamedError(
        "INSUFFICIENT_SCOPE",
        403,
        "INSUFFICIENT_SCOPE",
        "The token does not carry the cdp_ingest_api scope this call needs.",
    ),
    NamedError(
        "INVALID_INPUT", 400, "INVALID_INPUT", "The request body is not valid for this object."
    ),
    NamedError(
        "INVALID_CSV", 400, "INVALID_CSV", "The CSV data does not match the object's schema."
    ),
    NamedError("NOT_FOUND", 404, "NOT_FOUND", "The requested resource was not found."),
    NamedError(
        "METHOD_NOT_ALLOWED",
        405,
        "METHOD_NOT_ALLOWED",
        "The HTTP method is not allowed for this resource.",
    ),
    NamedError(
        "INVALID_STATE",
        409,
        "INVALID_STATE",
        "The job is not in a state that allows this operation.",
    ),
    NamedError(
        "REQUEST_LIMIT_EXCEEDED",
        429,
        "REQUEST_LIMIT_EXCEEDED",
        "Request limit "
        "exceeded: too many requests to the Data Cloud API. Retry after the time in "
        "Retry-After.",
        True,
        {"Retry-After": "10"},
    ),
    NamedError(
        "UNKNOWN_EXCEPTION",
        500,
        "UNKNOWN_EXCEPTION",
        "An unexpected error "
        "occurred. Please include the request id if you contact Salesforce Support.",
        True,
    ),
    NamedError(
        "SERVICE_UNAVAILABLE",
        503,
        "SERVICE_UNAVAILABLE",
        "Data Cloud is temporarily unavailable. Retry later.",
        True,
        {"Retry-After": "30"},
    ),
)
_OAUTH = {
    400: "invalid_request",
    401: "invalid_grant",
    403: "access_denied",
    503: "temporarily_unavailable",
}


def render(failure: Failure) -> Reply:
    """The envelope of the host the path belongs to: OAuth on the token endpoints, the
    Connect API's array under /services/data, the Direct APIs' object elsewhere."""
    e = failure.error
    path = failure.path
    if "/services/oauth2/" in path or "/services/a360/" in path:
        body: Any = {
            "error": _OAUTH.get(e.status, "server_error"),
            "error_description": failure.message,
        }
    elif "/services/data/" in path and e.status == 401:  # the core host's fixed words
        body = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
    elif "/services/data/" in path:
        body = [{"errorCode": str(e.code), "message": failure.message}]
    else:
        body = {"error": reason(e.status), "errorCode": str(e.code), "message": failure.message}
    return Reply(body, e.status, media_type="application/json")


def reason(status: int) -> str:
    return _REASONS.get(status) or _phrase(status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets={
            **standard_presets(
                SERVICE, "REQUEST_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE", "UNKNOWN_EXCEPTION"
            ),
            # bulk jobs accept their data and then end Failed, as when Data Cloud cannot
            # process a file; streaming ingestion is refused now and then
            "ingestion-failing": {
                "options": {"salesforce_cdp_jobs": "fail"},
                "faults": [
                    {
                        "service": SERVICE,
                        "id": "cdp-stream-refused",
                        "operation": "streamIngest",
                        "every": 2,
                        "error": "SERVICE_UNAVAILABLE",
                    }
                ],
            },
        },
        statuses={
            400: "INVALID_INPUT",
            401: "INVALID_TOKEN",
            403: "INSUFFICIENT_SCOPE",
            404: "NOT_FOUND",
            405: "METHOD_NOT_ALLOWED",
            409: "INVALID_STATE",
            429: "REQUEST_LIMIT_EXCEEDED",
            500: "UNKNOWN_EXCEPTION",
            503: "SERVICE_UNAVAILABLE",
        },
    )
)
