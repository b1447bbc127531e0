"""SFMC's named errors in its REST envelope: `message`, `errorcode`, `documentation`.

Validation errors carry codes 10000-10006; the platform's own refusals (no token, rate
limit, outage) carry 0.
"""

from __future__ import annotations

from specmock import Catalogue, Failure, NamedError, Reply, register_catalogue, standard_presets

from .common import DOCS
from .soapxml import fault

SERVICE = "sfmc"

ERRORS = (
    NamedError(
        "NotAuthorized",
        401,
        0,
        "Not Authorized",
        headers={"WWW-Authenticate": 'Bearer realm="sfmc"'},
        description="No token, an unknown one or an expired one; get a new token.",
    ),
    NamedError("ValidationError", 400, 10000, "Bad Request"),
    NamedError("InvalidFieldValue", 400, 10001, "A field of the request has an invalid value."),
    NamedError("MissingRequiredField", 400, 10002, "A required field of the request is missing."),
    NamedError("NotFound", 404, 10000, "The requested resource was not found."),
    NamedError(
        "MethodNotAllowed",
        405,
        0,
        "The HTTP method is not allowed for this resource.",
    ),
    NamedError(
        "Conflict", 409, 10000, "The request conflicts with the current state of the resource."
    ),
    NamedError(
        "Forbidden",
        403,
        0,
        "Insufficient privileges: the installed package does not have the scope this call needs.",
    ),
    NamedError(
        "RateLimitExceeded",
        429,
        0,
        "Too many requests: the API rate limit for "
        "this account was exceeded. Retry after the time in Retry-After.",
        retryable=True,
        headers={"Retry-After": "5"},
    ),
    NamedError(
        "InternalServerError",
        500,
        0,
        "An unexpected error occurred on the server. Try again later.",
        retryable=True,
    ),
    NamedError(
        "ServiceUnavailable",
        503,
        0,
        "The service is temporarily unavailable for maintenance. Try again later.",
        retryable=True,
        headers={"Retry-After": "30"},
    ),
)


_OAUTH = {400: "invalid_request", 401: "invalid_client", 403: "unauthorized_client"}


def soap_fault(code: str, message: str, actor: str = "") -> Reply:
    """SFMC's SOAP fault, HTTP 500 as SOAP 1.1 requires: `soap:Client` for a request it
    cannot read, `soap:Server` for its own trouble, `q0:Security` "Login Failed" for a
    missing, unknown or expired token."""
    return Reply(raw=fault(code, message, actor), status=500, media_type="text/xml; charset=utf-8")


def render(failure: Failure) -> Reply:
    """SFMC's REST body; the token endpoint answers in OAuth's words, the SOAP endpoint
    with a fault (Security for 401/403, Client for other 4xx, Server otherwise) under the
    status injected."""
    error = failure.error
    if failure.path.lower().endswith("/service.asmx"):
        if error.status in (401, 403):
            reply = soap_fault("Security", "Login Failed")
        else:
            code = "Client" if error.status < 500 and error.status != 429 else "Server"
            reply = soap_fault(code, failure.message)
        reply.status = error.status  # the status asked for is kept, as on every service
        return reply
    if failure.path.endswith("/v2/token"):
        oauth = _OAUTH.get(error.status, "temporarily_unavailable")
        body = {"error": oauth, "error_description": failure.message, "error_uri": DOCS}
        return Reply(body, error.status, media_type="application/json")
    # "Not Authorized" is a fixed text SDKs compare against: no detail appended to it
    message = error.message if error.code == 0 and error.status == 401 else failure.message
    body = {"message": message, "errorcode": error.code, "documentation": DOCS}
    return Reply(body, error.status, media_type="application/json")


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets={
            **standard_presets(
                SERVICE, "RateLimitExceeded", "ServiceUnavailable", "InternalServerError"
            ),
            "rate-limited": {
                "faults": [
                    {
                        "service": SERVICE,
                        "id": "sfmc-rate-limited",
                        "after": 10,
                        "error": "RateLimitExceeded",
                    }
                ]
            },
        },
        statuses={
            400: "ValidationError",
            401: "NotAuthorized",
            403: "Forbidden",
            404: "NotFound",
            405: "MethodNotAllowed",
            409: "Conflict",
            429: "RateLimitExceeded",
            500: "InternalServerError",
            503: "ServiceUnavailable",
        },
    )
)
