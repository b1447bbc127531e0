"""Vault's named errors: HTTP 200 with `responseStatus: FAILURE` and one typed error, the
way Vault reports a refused call; a status asked for outright (an outage, a 500) keeps
that status and says EXCEPTION.
"""

from __future__ import annotations

import uuid

from specmock import Catalogue, Failure, NamedError, Reply, register_catalogue, standard_presets

from . import config as vault_config
from .envelope import _AUTH_TYPES, BURST_LIMIT, http_status

SERVICE = "veeva_vault"


def _failure(name: str, message: str, retryable: bool = False, **headers: str) -> NamedError:
    return NamedError(name, 200, name, message, retryable, headers)


ERRORS = (
    _failure("INVALID_SESSION_ID", "Invalid or expired session ID."),
    _failure("USERNAME_OR_PASSWORD_INCORRECT", "Authentication failed for user."),
    _failure("NO_PASSWORD_PROVIDED", "No password was provided for the login call."),
    _failure("USER_LOCKED_OUT", "The user is locked out; too many failed login attempts."),
    _failure("INACTIVE_USER", "The user is inactive or the account has been deactivated."),
    _failure("PASSWORD_CHANGE_REQUIRED", "The password has expired and must be changed."),
    _failure(
        "INSUFFICIENT_ACCESS", "User does not have sufficient privileges to perform the action."
    ),
    _failure(
        "OPERATION_NOT_ALLOWED",
        "Operation not allowed: the document's lifecycle state does not allow this action.",
    ),
    _failure(
        "OPERATION_IN_PROGRESS",
        "Another operation on this item is in progress; try again when it finishes.",
        retryable=True,
    ),
    _failure(
        "RACE_CONDITION",
        "The record was changed by another request at the same time; retry the request.",
        retryable=True,
    ),
    _failure(
        "API_LIMIT_EXCEEDED",
        "API limit exceeded: the burst limit for this vault has been reached.",
        retryable=True,
        **{"X-VaultAPI-BurstLimitRemaining": "0"},
    ),
    _failure("INVALID_DATA", "Invalid value for a field of the request."),
    _failure("PARAMETER_REQUIRED", "Missing required parameter."),
    _failure("MALFORMED_URL", "The resource requested does not exist."),
    # answered by the web tier before the API: a real 405 (with Allow), in the envelope
    NamedError(
        "METHOD_NOT_SUPPORTED",
        405,
        "METHOD_NOT_SUPPORTED",
        "The request method is not supported for this resource.",
    ),
    _failure("ATTRIBUTE_NOT_SUPPORTED", "The attribute is not supported for this object."),
    _failure("INVALID_FILTER", "The filter given is not valid for this resource."),
    _failure("INCORRECT_QUERY_SYNTAX_ERROR", "The query has a syntax error."),
    _failure("EXCEEDS_FILE_MAX_SIZE", "The file exceeds the maximum size allowed."),
    _failure("ITEM_NAME_EXISTS", "An item with this name already exists."),
    NamedError(
        "UNEXPECTED_ERROR",
        200,
        "UNEXPECTED_ERROR",
        "An unexpected error occurred in Vault; try again later.",
        True,
        {},
        {"responseStatus": "EXCEPTION"},
    ),
)


def _generic(status: int) -> NamedError:
    """A status no Vault error is named for (an outage behind the load balancer, a 500):
    the status as asked, EXCEPTION / UNEXPECTED_ERROR inside."""
    if status == 429:
        return NamedError(
            "API_LIMIT_EXCEEDED",
            429,
            "API_LIMIT_EXCEEDED",
            "API limit exceeded: the burst limit for this vault has been reached.",
            True,
            {"Retry-After": "1"},
        )
    if status >= 500:
        message = (
            "Vault is temporarily unavailable; try again later."
            if status == 503
            else "An unexpected error occurred in Vault; try again later."
        )
        return NamedError(
            "UNEXPECTED_ERROR",
            status,
            "UNEXPECTED_ERROR",
            message,
            True,
            {},
            {"responseStatus": "EXCEPTION"},
        )
    return NamedError("INVALID_DATA", status, "INVALID_DATA", "The request is not valid.")


def render(failure: Failure) -> Reply:
    """Vault's envelope and X-VaultAPI headers; with the `http_errors` setting a FAILURE
    carries the HTTP status Vault's newer API versions use instead of 200."""
    error = failure.error
    body: dict = {
        "responseStatus": error.fields.get("responseStatus", "FAILURE"),
        "errors": [{"type": str(error.code), "message": failure.message}],
    }
    if error.code in _AUTH_TYPES:
        body["errorType"] = "AUTHENTICATION_FAILED"
    config = vault_config.load()
    status = error.status
    if status == 200 and config.http_errors:
        status = http_status(body)
    headers = {
        "X-VaultAPI-ExecutionId": str(uuid.UUID(int=int(failure.request_id, 16) << 64)),
        "X-VaultAPI-BurstLimit": str(BURST_LIMIT),
        "X-VaultAPI-VaultId": str(config.vault_id),
        "X-VaultAPI-Status": body["responseStatus"],
    }
    return Reply(body, status, headers, media_type="application/json")


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets={
            **standard_presets(SERVICE, "API_LIMIT_EXCEEDED", 503, 500),
            "session-expiry": {
                "faults": [
                    {
                        "service": SERVICE,
                        "id": "vault-session-expiry",
                        "after": 5,
                        "first": 1,
                        "error": "INVALID_SESSION_ID",
                    }
                ]
            },
            "lifecycle-refused": {
                "faults": [
                    {
                        "service": SERVICE,
                        "id": "vault-lifecycle-refused",
                        "method": "PUT",
                        "path": "^.*/lifecycle_actions/",
                        "error": "OPERATION_NOT_ALLOWED",
                    }
                ]
            },
        },
        statuses={
            400: "INVALID_DATA",
            401: "INVALID_SESSION_ID",
            403: "INSUFFICIENT_ACCESS",
            404: "MALFORMED_URL",
            405: "METHOD_NOT_SUPPORTED",
            409: "OPERATION_NOT_ALLOWED",
            413: "EXCEEDS_FILE_MAX_SIZE",
            422: "INVALID_DATA",
        },
        generic=_generic,
    )
)
