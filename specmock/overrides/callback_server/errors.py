"""The callback receiver's named errors, in its `{code, message}` body: what a sender
meets when the receiver refuses or is down (it then retries and dead-letters)."""

from __future__ import annotations

from specmock import Catalogue, NamedError, code_and_message, register_catalogue, standard_presets

SERVICE = "callback_server"

ERRORS = (
    NamedError("InvalidSignature", 401, 401, "The callback signature does not match its body."),
    NamedError("InvalidPayload", 400, 400, "The callback body is not a valid notification."),
    NamedError("ReceiverError", 500, 500, "The receiver failed while handling the callback.", True),
    NamedError(
        "ReceiverUnavailable",
        503,
        503,
        "The receiver is temporarily unavailable; retry later.",
        True,
        {"Retry-After": "5"},
    ),
)


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        code_and_message,
        presets=standard_presets(SERVICE, 429, "ReceiverUnavailable", "ReceiverError"),
        statuses={
            400: "InvalidPayload",
            401: "InvalidSignature",
            500: "ReceiverError",
            503: "ReceiverUnavailable",
        },
    )
)
