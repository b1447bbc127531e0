"""The order service's named errors, in its `{code, message}` body."""

from __future__ import annotations

from specmock import Catalogue, NamedError, code_and_message, register_catalogue, standard_presets

SERVICE = "order_server"

ERRORS = (
    NamedError("NotFound", 404, 404, "Nothing is served at this path."),
    NamedError("OrderNotFound", 404, 404, "No order with this id exists."),
    NamedError(
        "InvalidTransition", 409, 409, "The order's current state does not allow this transition."
    ),
    NamedError("InvalidOrder", 400, 400, "The order request is not valid."),
    NamedError(
        "RateLimited",
        429,
        429,
        "Too many requests; retry after the time in Retry-After.",
        True,
        {"Retry-After": "2"},
    ),
    NamedError(
        "InternalError",
        500,
        500,
        "The order service failed to process the request; retry later.",
        True,
    ),
    NamedError(
        "DatabaseUnavailable",
        503,
        503,
        "The order database is unavailable; retry later.",
        True,
        {"Retry-After": "5"},
    ),
)


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        code_and_message,
        presets=standard_presets(SERVICE, "RateLimited", "DatabaseUnavailable", "InternalError"),
        statuses={
            400: "InvalidOrder",
            404: "NotFound",
            409: "InvalidTransition",
            429: "RateLimited",
            500: "InternalError",
            503: "DatabaseUnavailable",
        },
    )
)
