"""OpenAI's error envelope, `{"error": {"message", "type", "param", "code"}}`, and the
named errors the mock answers with: the shapes the SDK turns into its exception classes."""

from __future__ import annotations

from typing import Any

import orjson

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

RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-limit-tokens": "30000",
    "x-ratelimit-remaining-tokens": "0",
    "x-ratelimit-reset-tokens": "1s",
}


SERVICE = "openai"
ERRORS = (
    NamedError(
        "InvalidRequest",
        400,
        "invalid_request_error",
        "The request is not valid.",
        fields={"type": "invalid_request_error"},
    ),
    NamedError(
        "ContextLengthExceeded",
        400,
        "context_length_exceeded",
        "This model's maximum context length is 128000 tokens. Please reduce the length of "
        "the messages.",
        fields={"type": "invalid_request_error", "param": "messages"},
    ),
    NamedError(
        "InvalidApiKey",
        401,
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        fields={"type": "invalid_request_error"},
    ),
    NamedError(
        "UnsupportedCountry",
        403,
        "unsupported_country_region_territory",
        "Country, region, or territory not supported.",
        fields={"type": "request_forbidden"},
    ),
    NamedError(
        "UnknownUrl",
        404,
        "unknown_url",
        "Invalid URL.",
        fields={"type": "invalid_request_error"},
    ),
    NamedError(
        "ModelNotFound",
        404,
        "model_not_found",
        "The model does not exist or you do not have access to it.",
        fields={"type": "invalid_request_error", "param": "model"},
    ),
    NamedError(
        "RateLimitExceeded",
        429,
        "rate_limit_exceeded",
        "Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. "
        "Please try again in 1s.",
        retryable=True,
        headers={"retry-after": "1", **RATE_LIMIT_HEADERS},
        fields={"type": "requests"},
    ),
    NamedError(
        "InsufficientQuota",
        429,
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
        fields={"type": "insufficient_quota"},
        description="Not retryable: the SDK retries it all the same, then raises.",
    ),
    NamedError(
        "ServerError",
        500,
        "server_error",
        "The server had an error while processing your request. Sorry about that!",
        retryable=True,
        fields={"type": "server_error"},
    ),
    NamedError(
        "Overloaded",
        503,
        "overloaded",
        "The engine is currently overloaded, please try again later.",
        retryable=True,
        fields={"type": "server_error"},
    ),
)


def render(failure: Failure) -> Reply:
    """OpenAI's envelope: `type` is the family, `code` the named error."""
    found = failure.error
    kind = str(found.fields.get("type", "invalid_request_error"))
    param = found.fields.get("param")
    code = None if found.code == "unknown_url" else str(found.code)
    # the engine adds the error's own headers (retry-after, x-ratelimit-*) to this reply
    return error(found.status, failure.message, kind, code, param)


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets=standard_presets(SERVICE, "RateLimitExceeded", "Overloaded", "ServerError"),
        statuses={
            400: "InvalidRequest",
            401: "InvalidApiKey",
            403: "UnsupportedCountry",
            404: "UnknownUrl",
            429: "RateLimitExceeded",
            500: "ServerError",
            503: "Overloaded",
        },
    )
)


def error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return Reply(
        status=status,
        raw=orjson.dumps(body),
        media_type="application/json",
        headers=dict(headers or {}),
    )


def rate_limited(model: str, retry_after: int = 1) -> Reply:
    """429 rate_limit_exceeded with the headers OpenAI sends (the SDK reads retry-after)."""
    message = (
        f"Rate limit reached for {model} on requests per min (RPM): Limit 500, Used 500, "
        f"Requested 1. Please try again in {retry_after}s."
    )
    headers = {"retry-after": str(retry_after), **RATE_LIMIT_HEADERS}
    return error(429, message, "requests", "rate_limit_exceeded", None, headers)


def context_length(window: int, used: int, param: str = "messages") -> Reply:
    message = (
        f"This model's maximum context length is {window} tokens. However, your messages "
        f"resulted in {used} tokens. Please reduce the length of the messages."
    )
    return error(400, message, "invalid_request_error", "context_length_exceeded", param)


def invalid(message: str, param: str | None = None) -> Reply:
    return error(400, message, "invalid_request_error", None, param)


def stream_error_event(
    message: str = "The server had an error while processing your request.",
) -> dict[str, Any]:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


@rejected("openai")
def refused(ctx: Context) -> Reply | None:
    """specmock's own refusals (bad body, missing key) in OpenAI's envelope."""
    status = ctx.rejection_status or 400
    if status == 401:
        given = ctx.headers.get("authorization", "").removeprefix("Bearer ").strip()
        shown = f"{given[:3]}***{given[-4:]}" if len(given) > 8 else "***"
        message = (
            f"Incorrect API key provided: {shown}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
            if given
            else "You didn't provide an API key. Provide it as a Bearer token in the "
            "Authorization header."
        )
        return error(401, message, "invalid_request_error", "invalid_api_key")
    if status >= 500 or not ctx.violations:
        return None
    if status != 429:
        status = 400  # OpenAI refuses a body it cannot take (type, size) with 400 too
    names = [str(v.get("pointer") or "").strip("/").replace("/", ".") for v in ctx.violations]
    messages = "; ".join(
        f"Invalid '{name}': {v.get('message')}" if name else str(v.get("message"))
        for name, v in zip(names, ctx.violations, strict=True)
    )
    return error(status, messages, "invalid_request_error", None, names[0] or None)
